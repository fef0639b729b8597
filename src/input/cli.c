/*
 * Command-line parsing. One table lists every option with the commands
 * that take it, so parsing, validation of where an option may appear, and
 * the help text cannot drift apart.
 */
#include "cli.h"

#include "names.h"
#include "suggest.h"
#include "vec.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BIT(c) (1u << (c))
#define ALL    0xffffu
/* Commands that load the spec and so take its flags. */
#define SPEC                                                                   \
	(BIT(CMD_RUN) | BIT(CMD_START) | BIT(CMD_VERIFY) | BIT(CMD_LOCK) |     \
	 BIT(CMD_ENV) | BIT(CMD_DOCTOR) | BIT(CMD_REPRODUCE) |                 \
	 BIT(CMD_PUBLISH))
#define PUB BIT(CMD_PUBLISH)

enum kind { FLAG, STR, LIST };

struct opt {
	const char *name; /* long name without "--" */
	char shrt;	  /* short letter or 0 */
	enum kind kind;
	size_t off;	 /* offsetof the field in struct cli */
	unsigned cmds;	 /* BIT()s of the commands that accept it */
	const char *arg; /* argument name in help */
	const char *help;
	const char *choices; /* space-separated allowed values, or NULL */
	const char *key;     /* the spec key it overrides ("x.*": a section) */
};

#define F(field) offsetof(struct cli, field)

static const struct opt opts[] = {
	{"quiet", 'q', FLAG, F(quiet), ALL, NULL,
	 "print only errors and warnings", NULL, NULL},
	{"verbose", 'v', FLAG, F(verbose), ALL, NULL,
	 "print more about each phase", NULL, NULL},
	{"directory", 'C', STR, F(dir), ALL, "DIR",
	 "change to DIR first (the spec's workdir)", NULL, NULL},
	{"file", 'f', STR, F(spec), ALL & ~BIT(CMD_DIFF), "SPEC",
	 "read the spec from SPEC (default: " CONFIG_SPEC_FILE ")", NULL, NULL},
	{"help", 'h', FLAG, F(help), ALL, NULL, "show help and exit", NULL,
	 NULL},
	{"version", 0, FLAG, F(version), ALL, NULL,
	 "print the version and the library versions", NULL, NULL},

	{"framework", 0, STR, F(framework), SPEC | BIT(CMD_INIT), "NAME",
	 "rails, django, vite, webpack or none (default: detected)",
	 "rails django vite webpack none", "framework"},
	{"env", 0, LIST, F(env_files), SPEC, "FILE",
	 "read variables from env FILE (default: " CONFIG_DEFAULT_ENV_FILE ")",
	 NULL, "env.files"},
	{"inherit", 0, LIST, F(inherit), SPEC, "NAME",
	 "pass NAME (or a glob such as LC_*) from the caller", NULL,
	 "env.inherit"},
	{"pass", 0, LIST, F(pass), SPEC, "NAME",
	 "let the build see secret NAME", NULL, "env.pass"},
	{"set", 0, LIST, F(set), SPEC, "NAME=VALUE",
	 "set a fixed value for the build", NULL, "env.set"},
	{"require", 0, LIST, F(require), SPEC, "NAME",
	 "fail (" EXIT_CONFIG_S ") when NAME is missing", NULL, "env.require"},
	{"secret", 0, LIST, F(secret), SPEC, "NAME",
	 "treat NAME (or a glob) as secret", NULL, "env.secret"},
	{"public", 0, LIST, F(public), SPEC, "NAME",
	 "NAME (or a glob) is public: passed, not masked or scanned", NULL,
	 "env.public"},
	{"network", 0, STR, F(network), SPEC, "MODE",
	 "deny (default) or allow network access", "deny allow",
	 "sandbox.network"},
	{"allow-write", 0, LIST, F(allow_write), SPEC, "PATH",
	 "let the build write PATH besides its outputs", NULL,
	 "sandbox.writable"},
	{"allow-unix-sockets", 0, FLAG, F(allow_unix_sockets), SPEC, NULL,
	 "with the network denied, let the build open unix sockets", NULL,
	 "sandbox.unix_sockets"},
	{"ctime-root", 0, LIST, F(ctime_roots), SPEC, "DIR",
	 "sweep DIR for metadata changes instead of the system dirs", NULL,
	 "sandbox.ctime_roots"},
	{"timeout", 0, STR, F(timeout), SPEC, "DURATION",
	 "kill the build after DURATION (90s, 15m, 1h); publish: give up "
	 "after DURATION (publish.timeout, default 30m)",
	 NULL, "sandbox.timeout"},
	{"limit", 0, LIST, F(limits), SPEC, "X=VALUE",
	 "resource limit: cpu, memory, files, processes, file_size", NULL,
	 "sandbox.limits.*"},
	{"user", 0, STR, F(user), SPEC, "NAME",
	 "run the build as NAME (when started as root)", NULL, "sandbox.user"},
	{"strict", 0, FLAG, F(strict), SPEC, NULL,
	 "fail (" EXIT_SANDBOX_S ") when a sandbox layer is unavailable", NULL,
	 "sandbox.strict"},
	{"output", 0, LIST, F(outputs), SPEC, "DIR", "an output root", NULL,
	 "outputs.root"},
	{"manifest", 0, STR, F(manifest), SPEC, "KIND",
	 "auto, sprockets, propshaft, django, vite, webpack or none",
	 "auto sprockets propshaft django vite webpack none",
	 "outputs.manifest"},
	{"sourcemaps", 0, STR, F(sourcemaps), SPEC, "MODE",
	 "allow (default) or forbid *.map files in the outputs", "allow forbid",
	 "outputs.sourcemaps"},
	{"require-file", 0, LIST, F(require_files), SPEC, "GLOB",
	 "an output matching GLOB must exist", NULL, "outputs.require"},
	{"forbid", 0, LIST, F(forbid), SPEC, "GLOB", "no output may match GLOB",
	 NULL, "outputs.forbid"},
	{"min-files", 0, STR, F(min_files), SPEC, "N",
	 "at least N output files", NULL, "outputs.min_files"},
	{"max-bytes", 0, STR, F(max_bytes), SPEC, "SIZE",
	 "at most SIZE bytes of outputs (512M, 4G)", NULL, "outputs.max_bytes"},
	{"max-files", 0, STR, F(max_files), SPEC, "N",
	 "at most N output files (default 1000000)", NULL, "outputs.max_files"},
	{"verify-timeout", 0, STR, F(verify_timeout), SPEC, "DURATION",
	 "stop verifying after DURATION (default 10m)", NULL,
	 "outputs.verify_timeout"},
	{"lock", 0, STR, F(lock), SPEC, "FILE",
	 "the lock file (default: " LOCK_DEFAULT_NAME " in the output root)",
	 NULL, "outputs.lock"},
	{"provenance", 0, STR, F(provenance), SPEC, "FILE",
	 "the provenance statement (default: beside the lock, outside the "
	 "output roots)",
	 NULL, "outputs.provenance"},
	{"no-provenance", 0, FLAG, F(no_provenance), SPEC, NULL,
	 "run: write no provenance; verify: do not check it", NULL,
	 "outputs.provenance"},
	{"input", 0, LIST, F(inputs), SPEC, "PATH",
	 "a path whose content decides freshness (start)", NULL, "inputs"},

	{"report", 0, STR, F(report),
	 BIT(CMD_RUN) | BIT(CMD_VERIFY) | BIT(CMD_REPRODUCE), "FILE",
	 "write a JSON report to FILE", NULL, NULL},
	{"expect-lock", 0, FLAG, F(expect_lock), BIT(CMD_RUN), NULL,
	 "fail (" EXIT_VERIFY_S
	 ") when the outputs differ from the existing lock",
	 NULL, NULL},
	{"no-lock", 0, FLAG, F(no_lock), BIT(CMD_VERIFY), NULL,
	 "pass without a lock to compare with (otherwise " EXIT_VERIFY_S ")",
	 NULL, NULL},
	{"require-provenance", 0, FLAG, F(require_provenance), BIT(CMD_VERIFY),
	 NULL,
	 "fail (" EXIT_VERIFY_S ") when the provenance statement is missing",
	 NULL, NULL},
	{"verify", 0, STR, F(verify), BIT(CMD_START), "MODE",
	 "how a fresh output set is checked: sizes (default) or full",
	 "sizes full", NULL},
	{"serve-stale", 0, FLAG, F(serve_stale), BIT(CMD_START), NULL,
	 "start the server on the previous outputs when the build fails", NULL,
	 NULL},
	{"init", 0, FLAG, F(init), BIT(CMD_START), NULL,
	 "stay as the server's init: forward signals, reap (default: when "
	 "PID 1)",
	 NULL, NULL},
	{"no-init", 0, FLAG, F(no_init), BIT(CMD_START), NULL,
	 "exec the server even as PID 1", NULL, NULL},
	{"files-only", 0, FLAG, F(files_only), BIT(CMD_ENV), NULL,
	 "print only what the env files define, with values", NULL, NULL},
	{"show-secrets", 0, FLAG, F(show_secrets), BIT(CMD_ENV), NULL,
	 "print secret values instead of ***", NULL, NULL},
	/* Its choices depend on the command: format_choices(). */
	{"format", 0, STR, F(format),
	 BIT(CMD_ENV) | BIT(CMD_DIFF) | BIT(CMD_DOCTOR), "FORMAT",
	 "env: sh (default), json or nul; diff, doctor: text (default) or "
	 "json",
	 NULL, NULL},

	{"to", 0, STR, F(to), PUB, "s3://BUCKET/PREFIX",
	 "where to publish (publish.to)", NULL, "publish.to"},
	{"endpoint", 0, STR, F(endpoint), PUB, "URL",
	 "the store's https://host[:port] (default: AWS S3)", NULL,
	 "publish.endpoint"},
	{"region", 0, STR, F(region), PUB, "NAME",
	 "the bucket's region (default: AWS_REGION, else us-east-1)", NULL,
	 "publish.region"},
	{"addressing", 0, STR, F(addressing), PUB, "MODE",
	 "auto (default), path or virtual (bucket in the host name)",
	 "auto path virtual", "publish.addressing"},
	{"connections", 0, STR, F(connections), PUB, "N",
	 "parallel uploads (default 8)", NULL, "publish.connections"},
	{"cache-control", 0, LIST, F(cache_control), PUB, "KIND=VALUE",
	 "Cache-Control for fingerprinted or other names", NULL,
	 "publish.cache_control.*"},
	{"records", 0, STR, F(records), PUB, "PREFIX",
	 "key prefix of release records (default PREFIX/.cleanroom/releases/)",
	 NULL, "publish.records"},
	{"content-encoding", 0, STR, F(content_encoding), PUB, "ENCODING",
	 "none (default), gzip or br: a locked X.gz or X.br's bytes under X's "
	 "key with Content-Encoding",
	 "none gzip br", "publish.content_encoding"},
	{"ca-file", 0, STR, F(ca_file), PUB, "FILE",
	 "CA bundle for the store's TLS certificate", NULL, "publish.ca_file"},
	{"dry-run", 0, FLAG, F(dry_run), PUB, NULL,
	 "print the plan; send nothing but reads", NULL, NULL},
	{"prune", 0, FLAG, F(prune), PUB, NULL,
	 "delete objects no kept release references", NULL, NULL},
	{"keep", 0, STR, F(keep), PUB, "N",
	 "prune: keep the last N releases' objects (publish.keep_releases)",
	 NULL, "publish.keep_releases"},
	{"older-than", 0, STR, F(older_than), PUB, "DURATION",
	 "prune: only objects older than DURATION (default 168h)", NULL,
	 "publish.older_than"},
};

#define NOPTS (sizeof opts / sizeof opts[0])

struct cmdinfo {
	const char *name;
	const char *synopsis;
	const char *summary;
	const char *examples; /* lines of "  cleanroom ...", each ending \n */
};

static const struct cmdinfo cmds[CMD_COUNT] = {
	[CMD_RUN] = {"run", "[OPTIONS] [-- COMMAND [ARG...]]",
		     "build in the sandbox, verify, write the lock",
		     "  cleanroom run\n"
		     "  cleanroom run --output public/assets -- bundle exec "
		     "rake assets:precompile\n"
		     "  cleanroom run --pass VITE_API_URL --report - -- npm "
		     "run build\n"},
	[CMD_START] =
		{"start", "[OPTIONS] -- SERVER [ARG...]",
		 "build if inputs changed, verify, exec SERVER",
		 "  cleanroom start -- gunicorn app.wsgi\n"
		 "  cleanroom -v start --verify full -- bundle exec puma\n"
		 "  cleanroom start --serve-stale -- npm run preview\n"},
	[CMD_VERIFY] = {"verify", "[OPTIONS]",
			"verify the outputs against the spec and the lock",
			"  cleanroom verify\n"
			"  cleanroom verify --no-lock --output dist\n"
			"  cleanroom verify --report verify.json\n"},
	[CMD_LOCK] = {"lock", "[OPTIONS]",
		      "write the lock of the current outputs",
		      "  cleanroom lock\n"
		      "  cleanroom lock --output public/assets --lock "
		      "assets.lock\n"},
	[CMD_DIFF] = {"diff", "A.lock B.lock",
		      "what differs between two output sets",
		      "  cleanroom diff old/cleanroom.lock "
		      "public/assets/cleanroom.lock\n"
		      "  cleanroom diff --format json a.lock b.lock\n"},
	[CMD_ENV] = {"env", "[OPTIONS] [--format sh|json|nul]",
		     "print the exact child environment",
		     "  cleanroom env\n"
		     "  cleanroom env --format json --pass DATABASE_URL\n"
		     "  cleanroom env --files-only --env .aptible.env\n"},
	[CMD_DOCTOR] = {"doctor", "[OPTIONS]",
			"kernel sandbox features and spec/env lint",
			"  cleanroom doctor\n"
			"  cleanroom doctor --strict\n"
			"  cleanroom doctor --format json\n"},
	[CMD_INIT] = {"init", "[--framework NAME]",
		      "write a starter " CONFIG_SPEC_FILE,
		      "  cleanroom init\n"
		      "  cleanroom init --framework django\n"},
	[CMD_REPRODUCE] = {"reproduce", "[OPTIONS]",
			   "build twice under varied conditions, diff",
			   "  cleanroom reproduce\n"
			   "  cleanroom reproduce --report repro.json -- npm "
			   "run build\n"},
	[CMD_PUBLISH] =
		{"publish", "[OPTIONS]",
		 "re-verify, upload the proven set to S3, record it",
		 "  cleanroom publish --to s3://assets/app --dry-run\n"
		 "  cleanroom publish --to s3://assets/app --endpoint "
		 "https://minio.internal:9000\n"
		 "  cleanroom publish --prune --keep 5 --older-than 168h\n"},
	[CMD_HELP] = {"help", "[COMMAND]", "show help for a command",
		      "  cleanroom help start\n"
		      "  cleanroom start --help\n"},
};

const char *cli_cmd_name(enum cmd cmd)
{
	if (cmd <= CMD_NONE || cmd >= CMD_COUNT)
		return "cleanroom";
	return cmds[cmd].name;
}

static enum cmd find_cmd(const char *s)
{
	for (int i = CMD_NONE + 1; i < CMD_COUNT; i++)
		if (strcmp(cmds[i].name, s) == 0)
			return (enum cmd)i;
	return CMD_NONE;
}

static int list_add(struct strlist *l, const char *s)
{
	if (vec_grow((void **)&l->v, &l->cap, l->n + 1, sizeof *l->v) < 0)
		return -1;
	l->v[l->n++] = s;
	return 0;
}

static int in_choices(const char *choices, const char *v)
{
	size_t n = strlen(v);

	for (const char *p = choices; *p != '\0';) {
		size_t w = strcspn(p, " ");

		if (w == n && strncmp(p, v, n) == 0)
			return 1;
		p += w;
		p += *p == ' ';
	}
	return 0;
}

static int usage_err(struct err *e, const struct cli *c, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int usage_err(struct err *e, const struct cli *c, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	err_set(e, ERR_USAGE, NULL, 0, 0, "%s", "");
	va_start(ap, fmt);
	(void)vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	err_hint(e, "see 'cleanroom help%s%s'", c->cmd ? " " : "",
		 c->cmd ? cli_cmd_name(c->cmd) : "");
	return -1;
}

/* After usage_err: when near is a close name (prefix "--" for an option,
 * "" otherwise), the hint asks about it first. */
static int usage_near(struct err *e, const struct cli *c, const char *prefix,
		      const char *near)
{
	char help[64];

	if (e == NULL || near == NULL)
		return -1;
	(void)snprintf(help, sizeof help, "cleanroom help%s%s",
		       c->cmd ? " " : "", c->cmd ? cli_cmd_name(c->cmd) : "");
	err_hint(e, "did you mean '%s%s'? (see '%s')", prefix, near, help);
	return -1;
}

/* The closest of the space-separated choices to v, copied into out. */
static const char *near_choice(const char *choices, const char *v, char *out,
			       size_t size)
{
	struct suggest s;
	char words[256];
	const char *best;

	(void)snprintf(words, sizeof words, "%s", choices);
	suggest_init(&s, v);
	for (char *p = words; *p != '\0';) {
		size_t w = strcspn(p, " ");
		int last = p[w] == '\0';

		p[w] = '\0';
		suggest_offer(&s, p);
		p += w + !last;
	}
	best = suggest_best(&s);
	if (best == NULL)
		return NULL;
	(void)snprintf(out, size, "%s", best);
	return out;
}

/* Stores one option. value is NULL for flags. */
static int store(struct cli *c, const struct opt *o, const char *value,
		 struct err *e)
{
	char *field = (char *)c + o->off;

	if (o->choices != NULL && value != NULL &&
	    !in_choices(o->choices, value)) {
		char near[64];

		usage_err(e, c, "--%s: '%s' is not one of: %s", o->name, value,
			  o->choices);
		return usage_near(
			e, c, "",
			near_choice(o->choices, value, near, sizeof near));
	}
	switch (o->kind) {
	case FLAG: *(int *)(void *)field = 1; return 0;
	case STR: *(const char **)(void *)field = value; return 0;
	case LIST:
		if (list_add((struct strlist *)(void *)field, value) < 0)
			return err_sys(e, ENOMEM, "parsing arguments");
		return 0;
	}
	return 0;
}

static const struct opt *find_long(const char *name, size_t n)
{
	for (size_t i = 0; i < NOPTS; i++)
		if (strlen(opts[i].name) == n &&
		    strncmp(opts[i].name, name, n) == 0)
			return &opts[i];
	return NULL;
}

/* The long option closest to the mistyped name[0..n): those the command
 * takes are preferred, as the command may come before or after. */
static const char *near_long(const char *name, size_t n)
{
	char got[SUGGEST_MAX_LEN + 1];
	struct suggest s;

	if (n > SUGGEST_MAX_LEN)
		return NULL;
	memcpy(got, name, n);
	got[n] = '\0';
	suggest_init(&s, got);
	for (size_t i = 0; i < NOPTS; i++)
		suggest_offer(&s, opts[i].name);
	return suggest_best(&s);
}

/* The command closest to a mistyped one. */
static const char *near_cmd(const char *got)
{
	struct suggest s;

	suggest_init(&s, got);
	for (int i = CMD_NONE + 1; i < CMD_COUNT; i++)
		suggest_offer(&s, cmds[i].name);
	return suggest_best(&s);
}

static const struct opt *find_short(char ch)
{
	for (size_t i = 0; i < NOPTS; i++)
		if (opts[i].shrt == ch)
			return &opts[i];
	return NULL;
}

/* Options are checked against the command after the whole line is read,
 * since global options may come before the command name. */
struct seen {
	const struct opt *o;
	const char *spelled;
};

static int parse_option(int argc, char **argv, int *i, struct cli *c,
			struct seen *seen, size_t *nseen, struct err *e)
{
	const char *a = argv[*i];
	const struct opt *o;
	const char *value = NULL;

	if (a[1] == '-') {
		const char *eq = strchr(a + 2, '=');
		size_t n = eq ? (size_t)(eq - a - 2) : strlen(a + 2);

		o = find_long(a + 2, n);
		if (o == NULL) {
			usage_err(e, c, "unknown option '%s'", a);
			return usage_near(e, c, "--", near_long(a + 2, n));
		}
		if (eq != NULL) {
			if (o->kind == FLAG)
				return usage_err(e, c,
						 "option '--%s' takes no "
						 "value",
						 o->name);
			value = eq + 1;
		}
	} else {
		o = find_short(a[1]);
		if (o == NULL)
			return usage_err(e, c, "unknown option '%s'", a);
		if (o->kind == FLAG) {
			/* Bundled flags such as -qv. */
			for (const char *p = a + 1; *p != '\0'; p++) {
				const struct opt *f = find_short(*p);

				if (f == NULL || f->kind != FLAG)
					return usage_err(e, c,
							 "unknown option "
							 "'%s'",
							 a);
				seen[(*nseen)++] = (struct seen){f, a};
				if (store(c, f, NULL, e) < 0)
					return -1;
			}
			return 0;
		}
		if (a[2] != '\0')
			value = a + 2;
	}
	if (o->kind != FLAG && value == NULL) {
		if (*i + 1 >= argc)
			return usage_err(e, c, "option '%s' needs %s", a,
					 o->arg);
		value = argv[++*i];
	}
	seen[(*nseen)++] = (struct seen){o, a};
	return store(c, o, value, e);
}

/* The values --format takes for cmd. */
static const char *format_choices(enum cmd cmd)
{
	return cmd == CMD_ENV ? "sh json nul" : "text json";
}

/* Keys a flag overrides for one command besides its own key: publish
 * runs no build, so its --timeout is the publish's deadline
 * (overrides.c). */
static const struct {
	const char *key, *flag;
} key_also[] = {
	{"publish.timeout", "timeout"},
};

const char *cli_flag_for_key(const char *path)
{
	for (size_t i = 0; i < sizeof key_also / sizeof *key_also; i++)
		if (strcmp(key_also[i].key, path) == 0)
			return key_also[i].flag;
	for (size_t i = 0; i < NOPTS; i++) {
		const char *k = opts[i].key;
		size_t n;

		if (k == NULL)
			continue;
		n = strlen(k);
		if (strcmp(k, path) == 0 ||
		    (n > 1 && strcmp(k + n - 2, ".*") == 0 &&
		     strncmp(k, path, n - 1) == 0))
			return opts[i].name;
	}
	return NULL;
}

const char *cli_examples(enum cmd cmd)
{
	if (cmd <= CMD_NONE || cmd >= CMD_COUNT)
		return "";
	return cmds[cmd].examples;
}

/* The hint for an option given to a command that does not take it: the
 * commands that do. */
static void takers_hint(struct err *e, const struct opt *o)
{
	char list[256];
	size_t len = 0;

	list[0] = '\0';
	for (int i = CMD_NONE + 1; i < CMD_COUNT; i++) {
		int n;

		if (!(o->cmds & BIT(i)))
			continue;
		n = snprintf(list + len, sizeof list - len, "%s'%s'",
			     len ? ", " : "", cmds[i].name);
		if (n < 0 || (size_t)n >= sizeof list - len)
			break;
		len += (size_t)n;
	}
	if (len > 0)
		err_hint(e, "--%s is taken by %s", o->name, list);
}

int cli_parse(int argc, char **argv, struct cli *c, struct err *e)
{
	struct seen *seen;
	size_t nseen = 0;
	int rc = -1;

	memset(c, 0, sizeof *c);
	/* Each argument is at most one option, or a bundle of flags. */
	seen = calloc((size_t)argc * NOPTS + 1, sizeof *seen);
	if (seen == NULL)
		return err_sys(e, ENOMEM, "parsing arguments");
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			c->argv = argv + i + 1;
			c->argc = argc - i - 1;
			break;
		}
		if (a[0] == '-' && a[1] != '\0') {
			if (parse_option(argc, argv, &i, c, seen, &nseen, e) <
			    0)
				goto out;
			continue;
		}
		if (c->cmd == CMD_NONE) {
			c->cmd = find_cmd(a);
			if (c->cmd == CMD_NONE) {
				usage_err(e, c, "unknown command '%s'", a);
				usage_near(e, c, "", near_cmd(a));
				goto out;
			}
			continue;
		}
		if (c->cmd == CMD_HELP && c->help_for == CMD_NONE) {
			c->help_for = find_cmd(a);
			if (c->help_for == CMD_NONE) {
				usage_err(e, c,
					  "no help for '%s': not a "
					  "command",
					  a);
				usage_near(e, c, "", near_cmd(a));
				goto out;
			}
			continue;
		}
		if (c->cmd == CMD_DIFF) {
			if (list_add(&c->positional, a) < 0) {
				err_sys(e, ENOMEM, "parsing arguments");
				goto out;
			}
			continue;
		}
		usage_err(e, c, "unexpected argument '%s'%s", a,
			  c->cmd == CMD_RUN || c->cmd == CMD_START
				  ? "; put the command after --"
				  : "");
		goto out;
	}
	if (c->help || c->cmd == CMD_HELP) {
		if (c->cmd != CMD_HELP)
			c->help_for = c->cmd;
		c->help = 1;
		rc = 0;
		goto out;
	}
	if (c->version) {
		rc = 0;
		goto out;
	}
	for (size_t i = 0; i < nseen; i++) {
		if (c->cmd == CMD_NONE) {
			usage_err(e, c, "option '%s' needs a command",
				  seen[i].spelled);
			goto out;
		}
		if (!(seen[i].o->cmds & BIT(c->cmd))) {
			usage_err(e, c, "option '%s' does not apply to '%s'",
				  seen[i].spelled, cli_cmd_name(c->cmd));
			takers_hint(e, seen[i].o);
			goto out;
		}
	}
	if (c->cmd == CMD_NONE) {
		usage_err(e, c, "no command given");
		goto out;
	}
	if (c->argv != NULL && c->cmd != CMD_RUN && c->cmd != CMD_START &&
	    c->cmd != CMD_REPRODUCE) {
		usage_err(e, c, "'%s' takes no command after --",
			  cli_cmd_name(c->cmd));
		goto out;
	}
	if (c->cmd == CMD_START && c->argc == 0) {
		usage_err(e, c, "'start' needs the server command after --");
		goto out;
	}
	if (c->init && c->no_init) {
		usage_err(e, c, "--init and --no-init contradict each other");
		goto out;
	}
	if (c->format != NULL) {
		const char *ch = format_choices(c->cmd);
		char near[64];

		if (!in_choices(ch, c->format)) {
			usage_err(e, c, "--format: '%s' is not one of: %s",
				  c->format, ch);
			usage_near(
				e, c, "",
				near_choice(ch, c->format, near, sizeof near));
			goto out;
		}
	}
	if (c->cmd == CMD_DIFF && c->positional.n != 2) {
		usage_err(e, c, "'diff' takes two lock files");
		goto out;
	}
	if (c->cmd == CMD_ENV && c->show_secrets && c->files_only) {
		usage_err(e, c,
			  "--files-only always prints values; --show-secrets "
			  "applies to the policy view");
		goto out;
	}
	rc = 0;
out:
	free(seen);
	return rc;
}

void cli_free(struct cli *c)
{
	struct strlist *lists[] = {
		&c->env_files,	 &c->inherit, &c->pass,	      &c->set,
		&c->require,	 &c->secret,  &c->public,     &c->allow_write,
		&c->ctime_roots, &c->limits,  &c->outputs,    &c->require_files,
		&c->forbid,	 &c->inputs,  &c->positional, &c->cache_control,
	};

	for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
		free(lists[i]->v);
	memset(c, 0, sizeof *c);
}

/* Help lines stay below this many columns. */
#define WRAP 80

/* The exit-status paragraph, generated from err.h's table: its rows in
 * order, each kept whole on one line. */
static int usage_exit(struct buf *out)
{
	static const char head[] = "\nexit status:";
	size_t col = sizeof head - 2; /* without the leading newline */

	if (buf_adds(out, head) < 0)
		return -1;
	for (size_t i = 0; i < err_exit_rows; i++) {
		const struct err_exit *x = &err_exit_table[i];
		char item[128];
		char end = i + 1 < err_exit_rows ? ',' : '.';
		int n;

		if (x->first < 0)
			n = snprintf(item, sizeof item, "%s%c", x->meaning,
				     end);
		else if (x->first == x->last)
			n = snprintf(item, sizeof item, "%d %s%c", x->first,
				     x->meaning, end);
		else
			n = snprintf(item, sizeof item, "%d/%d %s%c", x->first,
				     x->last, x->meaning, end);
		if (n < 0 || (size_t)n >= sizeof item)
			return -1;
		if (col + 1 + (size_t)n >= WRAP) {
			if (buf_addc(out, '\n') < 0)
				return -1;
			col = 0;
		} else {
			if (buf_addc(out, ' ') < 0)
				return -1;
			col++;
		}
		if (buf_add(out, item, (size_t)n) < 0)
			return -1;
		col += (size_t)n;
	}
	return buf_addc(out, '\n');
}

static int usage_opts(struct buf *out, unsigned mask)
{
	for (size_t i = 0; i < NOPTS; i++) {
		const struct opt *o = &opts[i];
		char left[64];

		if (!(o->cmds & mask))
			continue;
		if (o->shrt)
			(void)snprintf(left, sizeof left, "-%c, --%s%s%s",
				       o->shrt, o->name, o->arg ? " " : "",
				       o->arg ? o->arg : "");
		else
			(void)snprintf(left, sizeof left, "    --%s%s%s",
				       o->name, o->arg ? " " : "",
				       o->arg ? o->arg : "");
		if (buf_printf(out, "  %-28s %s%s\n", left, o->help,
			       o->kind == LIST ? " [repeatable]" : "") < 0)
			return -1;
	}
	return 0;
}

int cli_usage(struct buf *out, enum cmd cmd)
{
	if (cmd != CMD_NONE && cmd != CMD_HELP) {
		if (buf_printf(out,
			       "usage: cleanroom %s %s\n\n%s.\n\n"
			       "options:\n",
			       cmds[cmd].name, cmds[cmd].synopsis,
			       cmds[cmd].summary) < 0)
			return -1;
		if (usage_opts(out, BIT(cmd)) < 0)
			return -1;
		return buf_printf(out, "\nexamples:\n%s", cmds[cmd].examples);
	}
	if (buf_adds(out, "usage: cleanroom [-q|-v] [-C DIR] [-f SPEC] "
			  "COMMAND [OPTIONS] [-- COMMAND...]\n\n"
			  "cleanroom runs a web framework's asset build in a "
			  "sandbox and verifies\nits output before the image "
			  "layer is kept.\n\ncommands:\n") < 0)
		return -1;
	for (int i = CMD_NONE + 1; i < CMD_COUNT; i++)
		if (buf_printf(out, "  %-10s %-36s %s\n", cmds[i].name,
			       cmds[i].synopsis, cmds[i].summary) < 0)
			return -1;
	if (buf_adds(out, "\noptions (each command lists those it takes: "
			  "cleanroom help COMMAND):\n") < 0)
		return -1;
	if (usage_opts(out, ALL) < 0)
		return -1;
	return usage_exit(out);
}

int cli_option_at(size_t i, struct cli_option *o)
{
	if (i >= NOPTS)
		return -1;
	*o = (struct cli_option){
		.name = opts[i].name,
		.shrt = opts[i].shrt,
		.takes_value = opts[i].kind != FLAG,
		.repeatable = opts[i].kind == LIST,
		.cmds = opts[i].cmds & ((1u << CMD_COUNT) - 1),
		.arg = opts[i].arg,
		.help = opts[i].help,
		.choices = opts[i].choices,
	};
	return 0;
}

const char *cli_cmd_synopsis(enum cmd cmd)
{
	if (cmd <= CMD_NONE || cmd >= CMD_COUNT)
		return "";
	return cmds[cmd].synopsis;
}

const char *cli_cmd_summary(enum cmd cmd)
{
	if (cmd <= CMD_NONE || cmd >= CMD_COUNT)
		return "";
	return cmds[cmd].summary;
}
