/*
 * The environment policy: secret classification (name patterns, URL
 * values, secret:), source precedence, withholding and pass, inherit
 * globs, required names. Configurations are built by hand here, so the
 * tests do not depend on the spec loader or on detection.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "policy.h"
#include "tap.h"

struct class_case {
	const char *name;
	const char *value;
	const char *want; /* reason, or NULL when not secret */
};

static const struct class_case class_cases[] = {
	{"SECRET_KEY_BASE", "x", "*SECRET*"},
	{"MY_SECRET", "x", "*SECRET*"},
	{"SECRETS", "x", "*SECRET*"},
	{"DB_PASSWORD", "x", "*PASSWORD*"},
	{"PASSWORD_SALT", "x", "*PASSWORD*"},
	{"SMTP_PASSWD", "x", "*PASSWD*"},
	{"GITHUB_TOKEN", "x", "*TOKEN*"},
	{"TOKEN_URL", "x", "*TOKEN*"},
	{"API_KEY", "x", "*_KEY"},
	{"STRIPE_SECRET_KEY", "x", "*SECRET*"},
	{"RAILS_MASTER_KEY", "x", "*_KEY"},
	{"KEY_BASE", "x", "*KEY_BASE"},
	{"AWS_CREDENTIALS", "x", "*CREDENTIALS*"},
	{"GOOGLE_APPLICATION_CREDENTIALS_JSON", "x", "*CREDENTIALS*"},
	{"PRIVATE_PEM", "x", "*PRIVATE*"},
	{"DATABASE_URL", "sqlite:///x.db", "DATABASE_URL"},
	{"REDIS_URL", "redis://:hunter2@cache:6379/0", "URL with a password"},
	{"UPSTREAM", "https://user:pw@example.com/path", "URL with a password"},
	{"S3", "s3+https://AK:SK@bucket/x", "URL with a password"},
	{"WEIRD_PW", "ftp://u:p@ss@host/x", "URL with a password"},
	/* Not secret. */
	{"RAILS_ENV", "production", NULL},
	{"KEYBOARD", "us", NULL},
	{"KEY", "x", NULL},
	{"MONKEY", "x", NULL},
	{"PUBLIC_URL", "https://example.com/a:b@c", NULL},
	{"USER_ONLY_URL", "https://user@example.com", NULL},
	{"EMPTY_PW_URL", "https://user:@example.com", NULL},
	{"MAILTO", "mailto:a:b@example.com", NULL},
	{"NO_SCHEME", "user:pw@host", NULL},
	{"QUERY_AT", "https://example.com/?u=a:b@c", NULL},
	{"secret_lower", "x", NULL},
	{"TOKENIZER", "x", "*TOKEN*"},
};

TAP_SUITE(policy_classification)
{
	for (size_t i = 0; i < sizeof class_cases / sizeof class_cases[0];
	     i++) {
		const struct class_case *c = &class_cases[i];
		const char *got = policy_secret_reason(c->name, c->value, NULL);
		char what[128];

		snprintf(what, sizeof what, "%s=%s", c->name, c->value);
		T_STR(got, c->want, what);
	}
}

TAP_SUITE(policy_secret_extra)
{
	struct spec_list extra = {0};

	spec_list_add(&extra, "MY_*_THING", 3, 5);
	spec_list_add(&extra, "EXACT", 4, 5);
	T_STR(policy_secret_reason("MY_BIG_THING", "x", &extra), "MY_*_THING",
	      "secret: glob");
	T_STR(policy_secret_reason("EXACT", "x", &extra), "EXACT",
	      "secret: exact name");
	T_STR(policy_secret_reason("MY_THING", "x", &extra), NULL,
	      "secret: glob needs its middle");
	T_STR(policy_secret_reason("API_KEY", "x", &extra), "*_KEY",
	      "defaults still apply with secret:");
	struct spec tmp;

	spec_init(&tmp);
	tmp.inputs = extra;
	spec_free(&tmp);
}

/* A configuration built by hand. */
static void cfg_init(struct config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	spec_init(&cfg->spec);
	for (const char *const *n = config_default_inherit; *n; n++)
		spec_list_add(&cfg->spec.env.inherit, *n, 0, 0);
}

static const char *env_value(const struct policy *p, const char *name)
{
	size_t n = strlen(name);

	for (char **kv = p->envp; *kv; kv++)
		if (strncmp(*kv, name, n) == 0 && (*kv)[n] == '=')
			return *kv + n + 1;
	return NULL;
}

static const struct policy_var *pvar(const struct policy *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->v[i].name, name) == 0)
			return &p->v[i];
	return NULL;
}

static char *write_env(const char *text)
{
	char *path = strdup("/tmp/cleanroom-policy-XXXXXX");
	int fd = mkstemp(path);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		abort();
	close(fd);
	return path;
}

static char *caller[] = {
	"PATH=/usr/bin",      "HOME=/home/u",	  "LANG=C.UTF-8",
	"LC_ALL=C",	      "LC_TIME=en_DK",	  "TZ=UTC",
	"TERM=xterm",	      "SSH_AUTH_SOCK=/s", "RAILS_ENV=caller",
	"GITHUB_TOKEN=ghp_x", "SHARED=caller",	  NULL,
};

TAP_SUITE(policy_precedence)
{
	struct config cfg;
	struct policy p;
	struct err e = {0};
	char *file = write_env("SHARED=file\nFROM_FILE=1\nSET_ME=file\n"
			       "FLAG_ME=file\nSECRET_KEY_BASE=s3cr3tvalue\n"
			       "RAILS_ENV=file\n");

	cfg_init(&cfg);
	spec_list_add(&cfg.spec.env.files, file, 0, 0);
	spec_list_add(&cfg.spec.env.inherit, "RAILS_ENV", 0, 0);
	spec_map_put(&cfg.preset_set, "RAILS_ENV", "production", 0, 0);
	spec_map_put(&cfg.preset_set, "PRESET_ONLY", "p", 0, 0);
	spec_map_put(&cfg.spec_set, "SET_ME", "spec", 7, 3);
	spec_map_put(&cfg.spec_set, "FLAG_ME", "spec", 8, 3);
	spec_map_put(&cfg.flag_set, "FLAG_ME", "flag", 0, 0);
	cfg.spec.path = strdup("cleanroom.yml");

	T_OK(policy_build(&cfg, caller, &p, &e) == 0, "builds: %s", e.msg);
	T_STR(env_value(&p, "PATH"), "/usr/bin", "PATH inherited");
	T_STR(env_value(&p, "LC_ALL"), "C", "LC_* glob inherits LC_ALL");
	T_STR(env_value(&p, "LC_TIME"), "en_DK", "LC_* glob inherits LC_TIME");
	T_STR(env_value(&p, "TERM"), NULL, "TERM not inherited");
	T_STR(env_value(&p, "SSH_AUTH_SOCK"), NULL,
	      "SSH_AUTH_SOCK not inherited");
	T_STR(env_value(&p, "GITHUB_TOKEN"), NULL,
	      "an un-inherited caller secret is absent");
	T_STR(env_value(&p, "PRESET_ONLY"), "p", "preset default present");
	T_STR(env_value(&p, "SHARED"), "file",
	      "file beats the caller (not inherited anyway)");
	T_STR(env_value(&p, "RAILS_ENV"), "file",
	      "file beats inherited beats preset");
	T_INT(pvar(&p, "RAILS_ENV")->source, SRC_FILE, "RAILS_ENV source");
	T_STR(env_value(&p, "SET_ME"), "spec", "spec set beats file");
	T_INT(pvar(&p, "SET_ME")->source, SRC_SPEC, "SET_ME source");
	T_INT(pvar(&p, "SET_ME")->line, 7, "SET_ME spec line");
	T_STR(pvar(&p, "SET_ME")->file, "cleanroom.yml", "SET_ME spec file");
	T_STR(env_value(&p, "FLAG_ME"), "flag", "--set beats spec set");
	T_INT(pvar(&p, "FLAG_ME")->source, SRC_FLAG, "FLAG_ME source");
	T_STR(env_value(&p, "SECRET_KEY_BASE"), NULL,
	      "env-file secret withheld");
	T_OK(pvar(&p, "SECRET_KEY_BASE")->withheld, "marked withheld");
	T_INT(pvar(&p, "SECRET_KEY_BASE")->line, 5, "withheld origin line");
	T_STR(pvar(&p, "SECRET_KEY_BASE")->file, file, "withheld origin file");
	T_INT(pvar(&p, "FROM_FILE")->line, 2, "file origin line");
	policy_free(&p);

	/* pass: the secret reaches the build, still marked secret. */
	spec_list_add(&cfg.spec.env.pass, "SECRET_KEY_BASE", 0, 0);
	T_OK(policy_build(&cfg, caller, &p, &e) == 0, "builds with pass");
	T_STR(env_value(&p, "SECRET_KEY_BASE"), "s3cr3tvalue",
	      "passed secret present");
	T_OK(pvar(&p, "SECRET_KEY_BASE")->secret &&
		     !pvar(&p, "SECRET_KEY_BASE")->withheld,
	     "passed secret still secret, not withheld");
	policy_free(&p);
	unlink(file);
	free(file);
	config_free(&cfg);
}

TAP_SUITE(policy_withholding)
{
	struct config cfg;
	struct policy p;
	struct err e = {0};
	char *file = write_env("GITHUB_TOKEN=from_file\n"
			       "REDIS_URL=redis://:pw@h:1/0\n"
			       "MY_THING=v\nPLAIN=1\n");

	cfg_init(&cfg);
	spec_list_add(&cfg.spec.env.files, file, 0, 0);
	spec_list_add(&cfg.spec.env.inherit, "GITHUB_TOKEN", 0, 0);
	spec_list_add(&cfg.spec.env.secret, "MY_*", 0, 0);
	spec_map_put(&cfg.spec_set, "API_KEY", "placeholder", 0, 0);
	T_OK(policy_build(&cfg, caller, &p, &e) == 0, "builds");
	T_STR(env_value(&p, "GITHUB_TOKEN"), NULL,
	      "a withheld file secret hides the inherited value too");
	T_STR(env_value(&p, "REDIS_URL"), NULL, "URL with password withheld");
	T_STR(pvar(&p, "REDIS_URL")->why, "URL with a password", "its reason");
	T_STR(env_value(&p, "MY_THING"), NULL, "secret: pattern withheld");
	T_STR(env_value(&p, "PLAIN"), "1", "plain file value present");
	T_STR(env_value(&p, "API_KEY"), "placeholder",
	      "a spec set secret is given (the spec chose it)");
	T_OK(!pvar(&p, "API_KEY")->secret && pvar(&p, "API_KEY")->placeholder,
	     "a value set in the open is a placeholder, not a secret");
	T_STR(pvar(&p, "API_KEY")->lookalike, "*_KEY", "what it looks like");
	size_t withheld = 0;

	for (size_t i = 0; i < p.n; i++)
		withheld += (size_t)p.v[i].withheld;
	T_INT(withheld, 3, "three withheld");
	for (char **kv = p.envp; *kv; kv++)
		T_OK(strstr(*kv, "from_file") == NULL &&
			     strstr(*kv, ":pw@") == NULL,
		     "no withheld value in envp entry %.20s", *kv);
	policy_free(&p);

	/* A pass glob. */
	spec_list_add(&cfg.spec.env.pass, "MY_*", 0, 0);
	T_OK(policy_build(&cfg, caller, &p, &e) == 0, "builds with glob pass");
	T_STR(env_value(&p, "MY_THING"), "v", "pass glob gives it");
	policy_free(&p);
	unlink(file);
	free(file);
	config_free(&cfg);
}

/* env.public and values set in the open: not secret, unless secret:
 * names them too. */
TAP_SUITE(policy_public_and_placeholder)
{
	static char *with_pub[] = {"PATH=/usr/bin",
				   "VITE_MAP_PUBLISHABLE_KEY=pk_caller_7",
				   "OTHER_TOKEN=tok_caller_9", NULL};
	struct config cfg;
	struct policy p;
	struct err e = {0};
	char *file = write_env("VITE_STRIPE_PUBLISHABLE_KEY=pk_live_51Hq\n"
			       "VITE_ADMIN_SECRET=s3cr3t\n"
			       "VITE_BOTH_PUBLISHABLE_KEY=pk_both\n"
			       "STRIPE_SECRET_KEY=sk_live_x\n");

	cfg_init(&cfg);
	spec_list_add(&cfg.spec.env.files, file, 0, 0);
	spec_list_add(&cfg.spec.env.public, "VITE_*_PUBLISHABLE_KEY", 0, 0);
	spec_list_add(&cfg.spec.env.secret, "VITE_BOTH_*", 0, 0);
	spec_list_add(&cfg.spec.env.secret, "MY_REAL_TOKEN", 0, 0);
	spec_map_put(&cfg.spec_set, "SETTINGS_PASSWORD", "in-the-spec", 7, 3);
	spec_map_put(&cfg.flag_set, "SECRET_KEY", "placeholder", 0, 0);
	spec_map_put(&cfg.flag_set, "MY_REAL_TOKEN", "real-one", 0, 0);
	T_OK(policy_build(&cfg, with_pub, &p, &e) == 0, "builds: %s", e.msg);
	T_STR(env_value(&p, "VITE_STRIPE_PUBLISHABLE_KEY"), "pk_live_51Hq",
	      "a public glob passes a file value that looks secret");
	T_OK(pvar(&p, "VITE_STRIPE_PUBLISHABLE_KEY")->public &&
		     !pvar(&p, "VITE_STRIPE_PUBLISHABLE_KEY")->secret,
	     "public, not secret (not masked, not searched for)");
	T_STR(pvar(&p, "VITE_STRIPE_PUBLISHABLE_KEY")->lookalike, "*_KEY",
	      "what it looked like");
	T_STR(env_value(&p, "VITE_ADMIN_SECRET"), NULL,
	      "a VITE_ secret not listed as public is still withheld");
	T_OK(pvar(&p, "VITE_BOTH_PUBLISHABLE_KEY")->withheld,
	     "secret: wins over public:");
	T_STR(env_value(&p, "STRIPE_SECRET_KEY"), NULL, "others withheld");
	T_OK(!pvar(&p, "SECRET_KEY")->secret &&
		     pvar(&p, "SECRET_KEY")->placeholder,
	     "--set SECRET_KEY=placeholder is a placeholder, not a secret");
	T_OK(!pvar(&p, "SETTINGS_PASSWORD")->secret &&
		     pvar(&p, "SETTINGS_PASSWORD")->placeholder,
	     "so is a value of the spec's set:");
	T_OK(pvar(&p, "MY_REAL_TOKEN")->secret &&
		     !pvar(&p, "MY_REAL_TOKEN")->placeholder,
	     "--set of a name listed under secret: stays secret");
	T_OK(vars_get(&p.caller_secrets, "VITE_MAP_PUBLISHABLE_KEY", 24) ==
		     NULL,
	     "the caller's public value is not masked");
	T_OK(vars_get(&p.caller_secrets, "OTHER_TOKEN", 11) != NULL,
	     "the caller's other secrets still are");
	policy_free(&p);
	T_STR(policy_browser_prefix("VITE_X"), "VITE_", "VITE_ prefix");
	T_STR(policy_browser_prefix("NEXT_PUBLIC_X"), "NEXT_PUBLIC_",
	      "NEXT_PUBLIC_ prefix");
	T_STR(policy_browser_prefix("MY_VITE_X"), NULL, "only a prefix");
	unlink(file);
	free(file);
	config_free(&cfg);
}

TAP_SUITE(policy_required)
{
	struct config cfg;
	struct policy p;
	struct err e = {0};
	char *file = write_env("SECRET_KEY_BASE=abc\nRAILS_ENV=production\n");

	cfg_init(&cfg);
	spec_list_add(&cfg.spec.env.files, file, 0, 0);
	spec_list_add(&cfg.spec.env.require, "RAILS_ENV", 0, 0);
	T_OK(policy_build(&cfg, caller, &p, &e) == 0, "present: ok");
	T_INT(p.nmissing, 0, "nothing missing");
	policy_free(&p);

	spec_list_add(&cfg.spec.env.require, "SECRET_KEY_BASE", 0, 0);
	spec_list_add(&cfg.spec.env.require, "TERM", 0, 0);
	spec_list_add(&cfg.spec.env.require, "NOWHERE", 0, 0);
	T_OK(policy_build(&cfg, caller, &p, &e) < 0, "missing: fails");
	T_INT(e.kind, ERR_CONFIG, "a config error (78)");
	T_STR(e.msg,
	      "required variables missing: SECRET_KEY_BASE, TERM, NOWHERE",
	      "every missing name listed");
	char want[512];

	snprintf(
		want, sizeof want,
		"SECRET_KEY_BASE is a secret from %s:1 and is withheld: "
		"--pass SECRET_KEY_BASE; the caller has TERM: --inherit TERM; "
		"NOWHERE: define it in an env file or with --set NOWHERE=VALUE",
		file);
	T_STR(e.hint, want, "the hint says where each could come from");
	T_INT(p.nmissing, 3, "three missing");
	policy_free(&p);
	unlink(file);
	free(file);
	config_free(&cfg);
}

TAP_SUITE(policy_env_file_errors)
{
	struct config cfg;
	struct policy p;
	struct err e = {0};
	char *file = write_env("A=1\nB=$(id)\n");

	cfg_init(&cfg);
	spec_list_add(&cfg.spec.env.files, file, 0, 0);
	T_OK(policy_build(&cfg, caller, &p, &e) < 0, "bad env file fails");
	T_INT(e.line, 2, "at its line");
	T_INT(e.col, 3, "and column");
	T_INT(e.kind, ERR_CONFIG, "config error");
	policy_free(&p);
	unlink(file);
	free(file);
	config_free(&cfg);
}

TAP_SUITE(policy_url_password)
{
	T_OK(policy_url_has_password("postgres://u:p@h/db"), "postgres");
	T_OK(policy_url_has_password("amqps://guest:guest@mq:5671"), "amqps");
	T_OK(!policy_url_has_password("postgres://u@h/db"), "no password");
	T_OK(!policy_url_has_password("postgres://h/db"), "no userinfo");
	T_OK(!policy_url_has_password("://u:p@h"), "no scheme");
	T_OK(!policy_url_has_password("1http://u:p@h"), "scheme starts alpha");
	T_OK(!policy_url_has_password(""), "empty");
	T_OK(!policy_url_has_password("https://h/p?x=u:p@q"),
	     "@ in the query is not userinfo");
}
