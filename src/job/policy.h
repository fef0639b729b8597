/*
 * The environment policy (DESIGN.md "The environment"): which variables
 * the build gets, from where, and which are secret. Sources, later wins:
 * preset defaults, then variables inherited from the caller (only names
 * matching `inherit`), then the env files, then the spec's `set`, then
 * `--set`. A variable is secret when its name matches a secret pattern
 * (the defaults below plus `secret:`) or its value is a URL with a
 * password. A secret whose value comes from an env file is withheld from
 * the build unless named in `pass`; it is then absent from the child's
 * environment altogether (an inherited value of the same name does not
 * show through: the file said what the value is, and it is withheld).
 *
 * Two kinds of value are not secret although their name looks so, unless
 * the name is also listed under `secret:` (which always wins):
 *   - a name listed under `public:` (names or globs): a key the browser
 *     bundle is meant to hold (VITE_STRIPE_PUBLISHABLE_KEY). It is
 *     passed to the build and neither masked nor searched for, wherever
 *     its value comes from; the caller's value is not masked either.
 *   - a value set with `set:` or --set: a placeholder written in the open
 *     (in the spec or the Dockerfile), so neither masked nor searched for
 *     (`--set SECRET_KEY=placeholder` must not fail a build whose CSS
 *     says "placeholder"). Such a variable is marked `placeholder`, for
 *     the one note the commands print.
 *
 * The result is one struct: every name considered, with its source and
 * classification, and the child's environment built from scratch.
 * Secret values of the caller's environment are kept apart as well
 * (caller_secrets), for masking only.
 *
 * Ownership: policy_build fills a caller-owned struct policy; policy_free
 * releases and wipes it.
 */
#ifndef CLEANROOM_POLICY_H
#define CLEANROOM_POLICY_H

#include <stddef.h>

#include "buf.h"
#include "config.h"
#include "err.h"
#include "vars.h"

enum var_source {
	SRC_PRESET,  /* the framework preset's default */
	SRC_INHERIT, /* the caller's environment, named by inherit */
	SRC_FILE,    /* an env file */
	SRC_SPEC,    /* the spec's env.set */
	SRC_FLAG,    /* --set */
};

/* Every pointer in a policy_var points into the policy's `all` set or at
 * static text, valid until policy_free; only `why` may instead be one of
 * the configuration's `secret:` patterns, valid as long as the
 * configuration. */
struct policy_var {
	const char *name;
	const char *value; /* NULL for a withheld variable's value in
			      views; the real value stays in `all` */
	size_t len;
	enum var_source source;
	const char *file;      /* env file or spec file, NULL otherwise */
	unsigned line;	       /* 0 when unknown */
	int secret;	       /* masked in every output */
	int withheld;	       /* not given to the build */
	const char *why;       /* why it is secret: the pattern, "URL with a
				  password" or "secret:"; NULL when not */
	int public;	       /* its name looks secret (lookalike below) but is
				  listed under public: */
	int placeholder;       /* its name looks secret but its value is set
				  with set:/--set and it is not under secret: */
	const char *lookalike; /* for public and placeholder: the reason it
				  would have been secret, else NULL */
};

struct policy {
	struct policy_var *v; /* every variable, in the order of the child's
				 environment (assignment order), withheld
				 ones included */
	size_t n;
	char **envp;	      /* the child's environment: NAME=VALUE,
				 NULL-terminated; withheld names absent */
	struct vars all;      /* owns every name and value */
	const char **missing; /* required names that no source defines:
				 the configuration's strings (the array is
				 the policy's) */
	size_t nmissing;
	/* Every variable of the caller's environment that is secret (by
	 * name, a `secret:` pattern, or a URL with a password), whether or
	 * not it reaches the build: its value is masked in the relayed
	 * output all the same, because a value reaches a build by other
	 * ways than its own name (an env file's $NAME, a config file the
	 * build reads, a tool that prints its caller's token). Not searched
	 * for in the outputs: an image's own ENV (GPG_KEY, a public key
	 * fingerprint) is no secret of the build's. Owned, wiped when
	 * freed. */
	struct vars caller_secrets;
};

/* The default secret name patterns (fnmatch), NULL-terminated. */
extern const char *const policy_default_secret[];

/*
 * The `pass:` / --pass names that match no variable of any source (preset,
 * inherited, env files, the spec's set, --set): a misspelt name passes
 * nothing and fails the build later with a vaguer message. Appends one
 * line per such name to the caller's out, each ending with '\n', followed
 * by a line "hint: did you mean 'X'?\n" when a variable's name is close.
 * Returns the number of names, or -1 (ENOMEM).
 */
int policy_unmatched_pass(const struct policy *p, const struct config *cfg,
			  struct buf *out);

/*
 * Builds the policy from the effective configuration and the caller's
 * environment (environ-style). Env files are read here. Returns 0, or -1
 * with e filled: ERR_CONFIG for a bad env file (file:line:col) or for
 * required variables that are missing (every missing name listed, with a
 * hint saying where each could come from). On success with nothing
 * missing, out->nmissing is 0.
 */
int policy_build(const struct config *cfg, char *const *caller_env,
		 struct policy *out, struct err *e);
void policy_free(struct policy *p);

/* Classification alone, for tests and for the secret scanner: returns the
 * reason (pattern or "URL with a password") or NULL. extra are the spec's
 * `secret:` patterns (may be NULL, n = 0). The reason is static, or one
 * of extra's strings, valid as long as extra. */
const char *policy_secret_reason(const char *name, const char *value,
				 const struct spec_list *extra);

/* The prefix that makes a bundler put a variable into the browser bundle
 * ("VITE_", "NEXT_PUBLIC_", "REACT_APP_"), a static string, or NULL when
 * name has none. Such a value is public by design: the hints for it name
 * `public:` rather than `pass:` (a passed secret would be found in the
 * bundle and fail verification). */
const char *policy_browser_prefix(const char *name);

/* 1 when value looks like scheme://user:password@host... with a non-empty
 * password. */
int policy_url_has_password(const char *value);

/* "preset", "inherited", ...: a static string. */
const char *policy_source_name(enum var_source s);

#endif
