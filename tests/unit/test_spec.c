/*
 * The spec loader: a spec with every key parsed into exactly the expected
 * struct, the forms a key may take (string or list, numbers kept as text),
 * every rejected construct with its exact message, position and hint, and
 * the helpers presets and flags use to fill a spec. The duration and size
 * grammars are test_units.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spec.h"
#include "tap.h"

struct bytes {
	const char *p;
	size_t len;
};

#define B(s) ((struct bytes){(s), sizeof(s) - 1})

struct bad_case {
	struct bytes in;
	const char *want; /* "LINE:COL: message" */
	const char *hint; /* the exact hint; NULL: not checked */
};

/* DESIGN.md's example, plus outputs.sourcemaps and env.set values that
 * YAML would read as a number and a boolean. */
static const char full_spec[] =
	"framework: rails          # rails | django | vite | webpack\n"
	"command: bundle exec rake assets:precompile\n"
	"workdir: .\n"
	"env:\n"
	"  files: [.aptible.env]\n"
	"  inherit: [PATH, HOME, LANG, \"LC_*\", TZ]\n"
	"  pass: [RAILS_MASTER_KEY]\n"
	"  set: {RAILS_ENV: production, PORT: 3000, DEBUG: true}\n"
	"  require: [RAILS_ENV]\n"
	"  secret: [\"MY_*_THING\"]\n"
	"sandbox:\n"
	"  network: deny\n"
	"  writable: [tmp/cache]\n"
	"  user: nobody\n"
	"  timeout: 15m\n"
	"  limits: {cpu: 30m, memory: 4G, files: 4096, processes: 1024, "
	"file_size: 2G}\n"
	"  strict: false\n"
	"outputs:\n"
	"  root: public/assets\n"
	"  manifest: auto\n"
	"  sourcemaps: forbid\n"
	"  require: [\"application-*.css\"]\n"
	"  forbid: [\"*.map\"]\n"
	"  min_files: 1\n"
	"  max_bytes: 512M\n"
	"  lock: public/assets/cleanroom.lock\n"
	"inputs: [app/assets, app/javascript, Gemfile.lock, "
	"package-lock.json]\n";

static int parse_bytes(const char *p, size_t len, struct spec *s, struct err *e)
{
	memset(e, 0, sizeof *e);
	spec_init(s);
	return spec_parse("s.yml", p, len, s, e);
}

static int parse(const char *text, struct spec *s, struct err *e)
{
	return parse_bytes(text, strlen(text), s, e);
}

/* "LINE:COL: message" of e. */
static const char *where(const struct err *e, char *out, size_t size)
{
	snprintf(out, size, "%u:%u: %s", e->line, e->col, e->msg);
	return out;
}

/* The list as "a|b|c", for one comparison per list. */
static const char *joined(const struct spec_list *l, char *out, size_t size)
{
	size_t n = 0;

	out[0] = '\0';
	for (size_t i = 0; i < l->n && n < size; i++)
		n += (size_t)snprintf(out + n, size - n, "%s%s", i ? "|" : "",
				      l->v[i].s);
	return out;
}

static void check_list(const struct spec_list *l, const char *want,
		       const char *what)
{
	char buf[512];

	T_OK(l->set, "%s is set", what);
	T_STR(joined(l, buf, sizeof buf), want, what);
}

TAP_SUITE(spec_full)
{
	const struct spec_kv *kv;
	struct spec s;
	struct err e;

	T_OK(parse(full_spec, &s, &e) == 0, "the full spec parses: %s", e.msg);
	T_STR(s.path, "s.yml", "path");
	T_INT(s.framework, FW_RAILS, "framework");
	check_list(&s.command, "bundle exec rake assets:precompile", "command");
	T_INT(s.command_shell, 1, "a string command runs under sh");
	T_INT(s.command.v[0].line, 2, "command line");
	T_INT(s.command.v[0].col, 10, "command column");
	T_STR(s.workdir.s, ".", "workdir");
	T_INT(s.workdir.line, 3, "workdir line");
	T_INT(s.workdir.col, 10, "workdir column");

	check_list(&s.env.files, ".aptible.env", "env.files");
	check_list(&s.env.inherit, "PATH|HOME|LANG|LC_*|TZ", "env.inherit");
	T_INT(s.env.inherit.v[3].line, 6, "quoted entry line");
	T_INT(s.env.inherit.v[3].col, 31, "quoted entry column");
	check_list(&s.env.pass, "RAILS_MASTER_KEY", "env.pass");
	check_list(&s.env.require, "RAILS_ENV", "env.require");
	check_list(&s.env.secret, "MY_*_THING", "env.secret");
	T_OK(s.env.set.set, "env.set is set");
	T_INT(s.env.set.n, 3, "env.set entries");
	kv = &s.env.set.v[0];
	T_STR(kv->name.s, "RAILS_ENV", "env.set[0] name");
	T_STR(kv->value.s, "production", "env.set[0] value");
	T_INT(kv->name.line, 8, "env.set[0] name line");
	T_INT(kv->name.col, 9, "env.set[0] name column");
	T_INT(kv->value.col, 20, "env.set[0] value column");
	T_STR(s.env.set.v[1].name.s, "PORT", "env.set[1] name");
	T_STR(s.env.set.v[1].value.s, "3000", "a number is kept as text");
	T_STR(s.env.set.v[2].name.s, "DEBUG", "env.set[2] name");
	T_STR(s.env.set.v[2].value.s, "true", "a boolean is kept as text");

	T_INT(s.sandbox.network, NET_DENY, "sandbox.network");
	check_list(&s.sandbox.writable, "tmp/cache", "sandbox.writable");
	T_STR(s.sandbox.user.s, "nobody", "sandbox.user");
	T_INT(s.sandbox.user.line, 14, "sandbox.user line");
	T_INT(s.sandbox.timeout_ms, 15 * 60 * 1000, "sandbox.timeout");
	T_INT(s.sandbox.limits.cpu_ms, 30 * 60 * 1000, "limits.cpu");
	T_INT(s.sandbox.limits.memory, 4LL << 30, "limits.memory");
	T_INT(s.sandbox.limits.files, 4096, "limits.files");
	T_INT(s.sandbox.limits.processes, 1024, "limits.processes");
	T_INT(s.sandbox.limits.file_size, 2LL << 30, "limits.file_size");
	T_INT(s.sandbox.strict, 0, "sandbox.strict false");

	check_list(&s.outputs.roots, "public/assets", "outputs.root");
	T_INT(s.outputs.manifest, MF_AUTO, "outputs.manifest");
	T_INT(s.outputs.sourcemaps, SM_FORBID, "outputs.sourcemaps");
	check_list(&s.outputs.require, "application-*.css", "outputs.require");
	check_list(&s.outputs.forbid, "*.map", "outputs.forbid");
	T_INT(s.outputs.min_files, 1, "outputs.min_files");
	T_INT(s.outputs.max_bytes, 512LL << 20, "outputs.max_bytes");
	T_STR(s.outputs.lock.s, "public/assets/cleanroom.lock", "outputs.lock");
	check_list(&s.inputs,
		   "app/assets|app/javascript|Gemfile.lock|package-lock.json",
		   "inputs");
	T_INT(s.inputs.v[3].line, 27, "last input line");
	T_INT(s.inputs.v[3].col, 52, "last input column");
	spec_free(&s);
}

TAP_SUITE(spec_empty)
{
	static const char *const empties[] = {
		"",	      "\n\n", "# only a comment\n", "---\n", "--- ~\n",
		"---\n...\n", "{}\n",
	};
	struct spec s;
	struct err e;

	for (size_t i = 0; i < sizeof empties / sizeof empties[0]; i++) {
		int rc = parse(empties[i], &s, &e);

		T_OK(rc == 0 && s.framework == FW_UNSET && !s.command.set &&
			     s.workdir.s == NULL &&
			     s.sandbox.timeout_ms == -1 &&
			     s.sandbox.strict == -1 &&
			     s.sandbox.unix_sockets == -1,
		     "empty spec %zu is all unset (%s)", i, e.msg);
		spec_free(&s);
	}
	T_OK(parse_bytes(NULL, 0, &s, &e) == 0, "a NULL buffer is empty");
	spec_free(&s);
}

TAP_SUITE(spec_forms)
{
	char buf[256];
	struct spec s;
	struct err e;

	T_OK(parse("command: [npm, run, build]\n", &s, &e) == 0,
	     "command list");
	check_list(&s.command, "npm|run|build", "command as argv");
	T_INT(s.command_shell, 0, "a list command is exec'd");
	spec_free(&s);

	T_OK(parse("command:\n  - sh\n  - -c\n  - ''\n  - 5\n", &s, &e) == 0,
	     "block command list with an empty argument and a number");
	T_STR(joined(&s.command, buf, sizeof buf), "sh|-c||5", "argv");
	T_INT(s.command.v[1].line, 3, "argv[1] line");
	T_INT(s.command.v[1].col, 5, "argv[1] column");
	spec_free(&s);

	T_OK(parse("command: |\n  set -e\n  make\n", &s, &e) == 0,
	     "block scalar command");
	check_list(&s.command, "set -e\nmake\n", "literal block kept");
	T_INT(s.command_shell, 1, "block scalar runs under sh");
	spec_free(&s);

	T_OK(parse("outputs:\n  root: [public/assets, public/packs]\n", &s,
		   &e) == 0,
	     "root list");
	check_list(&s.outputs.roots, "public/assets|public/packs", "two roots");
	spec_free(&s);

	T_OK(parse("outputs:\n  root: static\n", &s, &e) == 0, "root string");
	check_list(&s.outputs.roots, "static", "one root");
	spec_free(&s);

	T_OK(parse("env:\n  set:\n    PORT: 3000\n    DEBUG: true\n"
		   "    RATIO: 1.50\n    HEX: 0x1F\n    OCT: 010\n"
		   "    EMPTY: \"\"\n    NO: no\n    Q: 'a: b'\n"
		   "    TILDE: '~'\n",
		   &s, &e) == 0,
	     "env.set with scalars of every YAML type: %s", e.msg);
	T_INT(s.env.set.n, 9, "nine variables");
	buf[0] = '\0';
	for (size_t i = 0, n = 0; i < s.env.set.n; i++)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "%s=%s;",
				      s.env.set.v[i].name.s,
				      s.env.set.v[i].value.s);
	T_STR(buf,
	      "PORT=3000;DEBUG=true;RATIO=1.50;HEX=0x1F;OCT=010;EMPTY=;NO=no;"
	      "Q=a: b;TILDE=~;",
	      "values kept exactly as written");
	spec_free(&s);

	T_OK(parse("env:\n  files: []\n  set: {}\n", &s, &e) == 0,
	     "empty list and mapping");
	T_OK(s.env.files.set && s.env.files.n == 0,
	     "an empty list is given and empty");
	T_OK(s.env.set.set && s.env.set.n == 0,
	     "an empty mapping is given and empty");
	T_OK(!s.env.pass.set, "an absent list is not set");
	spec_free(&s);

	T_OK(parse("sandbox:\n  strict: true\n  network: allow\n"
		   "  unix_sockets: true\n"
		   "outputs:\n  manifest: propshaft\n  sourcemaps: allow\n"
		   "  min_files: 0\n",
		   &s, &e) == 0,
	     "other enum values");
	T_INT(s.sandbox.strict, 1, "strict true");
	T_INT(s.sandbox.unix_sockets, 1, "unix_sockets true");
	T_INT(s.sandbox.network, NET_ALLOW, "network allow");
	T_INT(s.outputs.manifest, MF_PROPSHAFT, "manifest propshaft");
	T_INT(s.outputs.sourcemaps, SM_ALLOW, "sourcemaps allow");
	T_INT(s.outputs.min_files, 0, "min_files 0");
	spec_free(&s);

	T_OK(parse("framework: \"vite\"\nworkdir: !!str 5\n"
		   "inputs: !!seq [a]\nenv: !!map {}\n"
		   "sandbox: {strict: 'false'}\n",
		   &s, &e) == 0,
	     "quoting and tags that restate the type are accepted: %s", e.msg);
	T_INT(s.framework, FW_VITE, "quoted enum");
	T_STR(s.workdir.s, "5", "!!str number");
	T_INT(s.sandbox.strict, 0, "quoted boolean");
	spec_free(&s);

	T_OK(parse("\xef\xbb\xbf"
		   "framework: django\r\nworkdir: x\r\n",
		   &s, &e) == 0,
	     "a byte-order mark and CRLF line ends");
	T_INT(s.framework, FW_DJANGO, "framework after a BOM");
	T_STR(s.workdir.s, "x", "no CR in the value");
	spec_free(&s);
}

static const struct bad_case bad_cases[] = {
	/* YAML syntax, located by libyaml's problem mark. */
	{B("framework: rails\nc\nworkdir: e\n"),
	 "3:1: invalid YAML: could not find expected ':' (while scanning a "
	 "simple key at line 2, column 1)",
	 ""},
	{B("framework: rails\n\tcommand: x\n"),
	 "2:1: invalid YAML: found a tab character that violates indentation",
	 "YAML does not allow tabs for indentation; use spaces"},
	{B("command: echo a: b\n"),
	 "1:16: invalid YAML: mapping values are not allowed in this context",
	 "quote a value that contains \": \""},
	{B("workdir: \"abc\n"),
	 "2:1: invalid YAML: found unexpected end of stream (while scanning a "
	 "quoted scalar at line 1, column 10)",
	 NULL},
	{B("env:\n  files: [a, b\n  pass: []\n"),
	 "3:7: invalid YAML: did not find expected ',' or ']' (while parsing "
	 "a flow sequence at line 2, column 10)",
	 NULL},
	{B("framework: rails\n\xff\n"),
	 "2:1: invalid YAML: invalid leading UTF-8 octet", ""},
	{B("framework: rails\0\n"),
	 "1:17: invalid YAML: control characters are not allowed", NULL},
	/* The shape of the document. */
	{B("- a\n- b\n"), "1:1: the spec must be a mapping of keys, not a list",
	 "write one 'key: value' per line, e.g. 'framework: rails'"},
	{B("hello\n"), "1:1: the spec must be a mapping of keys, not a string",
	 NULL},
	{B("framework: rails\n---\nworkdir: x\n"),
	 "2:1: a spec must be a single YAML document",
	 "remove the second '---' and merge the keys"},
	{B("---\n---\n"), "2:1: a spec must be a single YAML document", NULL},
	/* Unknown keys, with the closest key or where the key belongs. */
	{B("frmework: rails\n"), "1:1: unknown key 'frmework'",
	 "did you mean 'framework'?"},
	{B("Framework: rails\n"), "1:1: unknown key 'Framework'",
	 "did you mean 'framework'?"},
	{B("sandbox:\n  timout: 5m\n"), "2:3: unknown key 'timout' in sandbox",
	 "did you mean 'timeout'?"},
	{B("sandbox:\n  netwrok: deny\n"),
	 "2:3: unknown key 'netwrok' in sandbox", "did you mean 'network'?"},
	{B("zzzzz: 1\n"), "1:1: unknown key 'zzzzz'",
	 "valid keys: framework, command, workdir, env, sandbox, outputs, "
	 "inputs, publish"},
	{B("timeout: 5m\n"), "1:1: unknown key 'timeout'",
	 "'timeout' belongs under 'sandbox:' or 'publish:'"},
	{B("require: [A]\n"), "1:1: unknown key 'require'",
	 "'require' belongs under 'env:' or 'outputs:'"},
	{B("env:\n  inputs: [a]\n"), "2:3: unknown key 'inputs' in env",
	 "'inputs' belongs under the top level"},
	{B("sandbox:\n  limits:\n    cpus: 1\n"),
	 "3:5: unknown key 'cpus' in sandbox.limits", "did you mean 'cpu'?"},
	{B("sandbox:\n  limits: {nice: 5}\n"),
	 "2:12: unknown key 'nice' in sandbox.limits",
	 "valid keys: cpu, memory, files, processes, file_size"},
	{B("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: 1\n"),
	 "1:1: unknown key 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...'",
	 NULL},
	/* Keys that are not names. */
	{B("[a]: b\n"), "1:1: a key must be a name, not a list", NULL},
	{B("\"\": x\n"), "1:1: empty key name", NULL},
	{B("env:\n  set:\n    {A: 1}: x\n"),
	 "3:5: env.set: a key must be a name, not a mapping", NULL},
	/* Duplicates point at the second and name the first. */
	{B("framework: rails\nworkdir: .\nframework: vite\n"),
	 "3:1: duplicate key 'framework' (first at line 1)", ""},
	{B("sandbox:\n  user: a\n  user: b\n"),
	 "3:3: duplicate key 'user' in sandbox (first at line 2)", NULL},
	{B("env: {}\nenv: {}\n"), "2:1: duplicate key 'env' (first at line 1)",
	 NULL},
	{B("env:\n  set:\n    A: 1\n    A: 2\n"),
	 "4:5: duplicate key 'A' in env.set (first at line 3)", NULL},
	{B("sandbox:\n  limits: {cpu: 1s, cpu: 2s}\n"),
	 "2:21: duplicate key 'cpu' in sandbox.limits (first at line 2)", NULL},
	/* Wrong types. */
	{B("workdir: [a]\n"), "1:10: workdir: expected a string, not a list",
	 ""},
	{B("sandbox:\n  user: {a: b}\n"),
	 "2:9: sandbox.user: expected a string, not a mapping", NULL},
	{B("env:\n  pass: RAILS_MASTER_KEY\n"),
	 "2:9: env.pass: expected a list of strings, not a string",
	 "write a list even for one entry: [item], or a '- item' line below "
	 "the key"},
	{B("inputs: {a: b}\n"),
	 "1:9: inputs: expected a list of strings, not a mapping", ""},
	{B("env: production\n"), "1:6: env: expected a mapping, not a string",
	 NULL},
	{B("env:\n  set: [A=1]\n"),
	 "2:8: env.set: expected a mapping, not a list", NULL},
	{B("env:\n  set:\n    A: [x]\n"),
	 "3:8: env.set.A: expected a string, not a list", NULL},
	{B("sandbox:\n  strict: [true]\n"),
	 "2:11: sandbox.strict: expected true or false, not a list", NULL},
	{B("outputs:\n  min_files: [1]\n"),
	 "2:14: outputs.min_files: expected an integer, not a list", NULL},
	{B("sandbox:\n  timeout: [1s]\n"),
	 "2:12: sandbox.timeout: expected a duration, not a list", NULL},
	{B("outputs:\n  max_bytes: {a: 1}\n"),
	 "2:14: outputs.max_bytes: expected a size, not a mapping", NULL},
	{B("framework: [rails]\n"),
	 "1:12: framework: expected one of rails, django, vite, webpack, "
	 "none, not a list",
	 NULL},
	{B("command: {a: b}\n"),
	 "1:10: command: expected a string or a list of strings, not a "
	 "mapping",
	 NULL},
	{B("outputs:\n  root: {a: b}\n"),
	 "2:9: outputs.root: expected a string or a list of strings, not a "
	 "mapping",
	 NULL},
	{B("command: [npm, [a]]\n"),
	 "1:16: command: each entry must be a string, not a list", NULL},
	{B("sandbox:\n  writable: [{a: b}]\n"),
	 "2:14: sandbox.writable: each entry must be a string, not a mapping",
	 NULL},
	{B("sandbox:\n  limits: 5\n"),
	 "2:11: sandbox.limits: expected a mapping, not a string", NULL},
	/* Booleans, integers, enums. */
	{B("sandbox:\n  unix_sockets: allow\n"),
	 "2:17: sandbox.unix_sockets: 'allow' is not true or false", NULL},
	{B("sandbox:\n  strict: yes\n"),
	 "2:11: sandbox.strict: 'yes' is not true or false",
	 "only true and false, in lower case, are booleans in a spec"},
	{B("sandbox:\n  strict: True\n"),
	 "2:11: sandbox.strict: 'True' is not true or false", NULL},
	{B("outputs:\n  min_files: abc\n"),
	 "2:14: outputs.min_files: 'abc' is not an integer",
	 "write a whole decimal number, e.g. 4096"},
	{B("outputs:\n  min_files: 010\n"),
	 "2:14: outputs.min_files: '010' is not an integer", NULL},
	{B("outputs:\n  min_files: +1\n"),
	 "2:14: outputs.min_files: '+1' is not an integer", NULL},
	{B("outputs:\n  min_files: -1\n"),
	 "2:14: outputs.min_files: '-1' is negative", ""},
	{B("sandbox:\n  limits: {files: 9223372036854775808}\n"),
	 "2:19: sandbox.limits.files: '9223372036854775808' is too large", ""},
	{B("sandbox:\n  limits: {processes: 1.5}\n"),
	 "2:23: sandbox.limits.processes: '1.5' is not an integer", NULL},
	{B("framework: rials\n"),
	 "1:12: framework: 'rials' is not one of rails, django, vite, "
	 "webpack, none",
	 "did you mean 'rails'?"},
	{B("framework: \"\"\n"),
	 "1:12: framework: '' is not one of rails, django, vite, webpack, "
	 "none",
	 NULL},
	{B("framework: \"\\e[31m\"\n"),
	 "1:12: framework: '?[31m' is not one of rails, django, vite, "
	 "webpack, none",
	 NULL},
	{B("outputs:\n  manifest: sprokets\n"),
	 "2:13: outputs.manifest: 'sprokets' is not one of auto, sprockets, "
	 "propshaft, django, vite, webpack, none",
	 "did you mean 'sprockets'?"},
	{B("sandbox:\n  network: none\n"),
	 "2:12: sandbox.network: 'none' is not one of deny, allow", ""},
	{B("outputs:\n  sourcemaps: yes\n"),
	 "2:15: outputs.sourcemaps: 'yes' is not one of allow, forbid", NULL},
	/* Durations and sizes. */
	{B("sandbox:\n  timeout: 15 minutes\n"),
	 "2:12: sandbox.timeout: '15 minutes' is not a duration",
	 "a duration is a number with a unit h, m, s or ms, e.g. 90s, 15m, "
	 "1h30m (a bare number is seconds)"},
	{B("sandbox:\n  timeout: 99999999999999999h\n"),
	 "2:12: sandbox.timeout: '99999999999999999h' is too large", ""},
	{B("sandbox:\n  limits: {cpu: 1d}\n"),
	 "2:17: sandbox.limits.cpu: '1d' is not a duration", NULL},
	{B("outputs:\n  max_bytes: 5 GB\n"),
	 "2:14: outputs.max_bytes: '5 GB' is not a size",
	 "a size is a number of bytes with an optional unit K, M, G or T "
	 "(powers of 1024), e.g. 512M"},
	{B("outputs:\n  max_bytes: 8388608T\n"),
	 "2:14: outputs.max_bytes: '8388608T' is too large", NULL},
	{B("sandbox:\n  limits: {memory: 4GBs}\n"),
	 "2:20: sandbox.limits.memory: '4GBs' is not a size", NULL},
	/* Values that must not be empty. */
	{B("workdir: \"\"\n"), "1:10: workdir: must not be empty", NULL},
	{B("command: ''\n"), "1:10: command: must not be empty", NULL},
	{B("outputs:\n  lock: \"\"\n"), "2:9: outputs.lock: must not be empty",
	 NULL},
	{B("sandbox:\n  user: ''\n"), "2:9: sandbox.user: must not be empty",
	 NULL},
	{B("outputs:\n  root: ''\n"), "2:9: outputs.root: must not be empty",
	 NULL},
	{B("command: []\n"), "1:10: command: the list is empty",
	 "give the program and its arguments, e.g. [npm, run, build]"},
	{B("outputs:\n  root: []\n"), "2:9: outputs.root: the list is empty",
	 "name at least one output directory"},
	{B("command: [\"\", x]\n"), "1:11: command: empty entry", NULL},
	{B("inputs: [a, \"\"]\n"), "1:13: inputs: empty entry", NULL},
	{B("env:\n  inherit: [PATH, ~]\n"), "2:19: env.inherit: empty entry",
	 NULL},
	/* No value. */
	{B("framework:\n"), "1:1: no value for framework", ""},
	{B("sandbox:\n  timeout: ~\n"), "2:3: no value for sandbox.timeout",
	 NULL},
	{B("outputs:\n  min_files: NULL\n"),
	 "2:3: no value for outputs.min_files", NULL},
	{B("env:\n  pass:\n"), "2:3: no value for env.pass",
	 "write [] for an empty list"},
	{B("env:\n"), "1:1: no value for env",
	 "indent its keys below it, or remove the line"},
	{B("env:\n  set:\n    A: null\n"), "3:5: no value for env.set.A",
	 "write A: \"\" for an empty value"},
	/* Anchors, aliases and tags. */
	{B("framework: &x rails\n"),
	 "1:12: anchors and aliases are not supported in a spec",
	 "repeat the value where it is needed"},
	{B("env:\n  pass: [A]\n  require: *x\n"),
	 "3:12: anchors and aliases are not supported in a spec", NULL},
	{B("&k framework: rails\n"),
	 "1:1: anchors and aliases are not supported in a spec", NULL},
	{B("framework: !!binary cmFpbHM=\n"),
	 "1:12: tag '!!binary' is not supported in a spec",
	 "remove the tag: every value is read as text"},
	{B("workdir: !custom x\n"),
	 "1:10: tag '!custom' is not supported in a spec", NULL},
	{B("inputs: !!set {a}\n"),
	 "1:9: tag '!!set' is not supported in a spec", NULL},
	{B("inputs: !!str [a]\n"),
	 "1:9: tag '!!str' is not supported in a spec", NULL},
	{B("sandbox:\n  timeout: !!int 5\n"),
	 "2:12: tag '!!int' is not supported in a spec", NULL},
	/* Columns count bytes, as in env-file errors, whatever libyaml
	 * counts: after multi-byte characters, a byte-order mark, CRLF. */
	{B("env: {set: {A: \"\xc3\xa9\xc3\xa9\", B: [x]}}\n"),
	 "1:27: env.set.B: expected a string, not a list", NULL},
	{B("\xef\xbb\xbf"
	   "framework: rials\n"),
	 "1:12: framework: 'rials' is not one of rails, django, vite, "
	 "webpack, none",
	 NULL},
	{B("workdir: x\r\nsandbox: {user: \"\xe2\x82\xac\", timeout: 1d}\r\n"),
	 "2:33: sandbox.timeout: '1d' is not a duration", NULL},
	/* Strings the rest of cleanroom could not use. */
	{B("workdir: \"a\\0b\"\n"),
	 "1:10: a NUL character is not allowed in a spec", NULL},
	{B("env:\n  set:\n    A B: x\n"),
	 "3:5: env.set: 'A B' is not a valid variable name",
	 "a name is letters, digits and '_', and does not start with a digit"},
	{B("env:\n  set:\n    1A: x\n"),
	 "3:5: env.set: '1A' is not a valid variable name", NULL},
};

TAP_SUITE(spec_errors)
{
	char got[1024];
	struct spec s;
	struct err e;

	for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		const struct bad_case *c = &bad_cases[i];
		int rc = parse_bytes(c->in.p, c->in.len, &s, &e);

		T_OK(rc == -1 && e.kind == ERR_CONFIG &&
			     strcmp(e.file, "s.yml") == 0,
		     "case %zu is a config error in s.yml", i);
		T_STR(where(&e, got, sizeof got), c->want, c->want);
		if (c->hint != NULL)
			T_STR(e.hint, c->hint, "its hint");
		spec_free(&s);
	}
}

TAP_SUITE(spec_size_limit)
{
	size_t max = 1u << 20;
	char *big = malloc(max + 1);
	char msg[1024];
	struct spec s;
	struct err e;

	if (!T_OK(big != NULL, "allocated"))
		return;
	memset(big, '#', max + 1);
	big[max - 1] = '\n';
	T_OK(parse_bytes(big, max, &s, &e) == 0,
	     "a 1 MiB spec of comments is accepted: %s", e.msg);
	spec_free(&s);
	T_OK(parse_bytes(big, max + 1, &s, &e) == -1 && e.kind == ERR_CONFIG,
	     "one byte more is rejected");
	err_format(&e, msg, sizeof msg);
	T_STR(msg, "s.yml: spec file is larger than 1 MiB", "its message");
	spec_free(&s);
	free(big);
}

TAP_SUITE(spec_names)
{
	static const enum framework fws[] = {FW_NONE, FW_RAILS, FW_DJANGO,
					     FW_VITE, FW_WEBPACK};
	static const enum manifest_kind mfs[] = {
		MF_AUTO,   MF_NONE, MF_SPROCKETS, MF_PROPSHAFT,
		MF_DJANGO, MF_VITE, MF_WEBPACK,
	};
	enum framework f;
	enum manifest_kind m;
	int ok = 1;

	for (size_t i = 0; i < sizeof fws / sizeof fws[0]; i++) {
		const char *name = spec_framework_name(fws[i]);

		ok &= name != NULL && spec_framework_parse(name, &f) == 0 &&
		      f == fws[i];
	}
	T_OK(ok, "every framework name parses back to itself");
	ok = 1;
	for (size_t i = 0; i < sizeof mfs / sizeof mfs[0]; i++) {
		const char *name = spec_manifest_name(mfs[i]);

		ok &= name != NULL && spec_manifest_parse(name, &m) == 0 &&
		      m == mfs[i];
	}
	T_OK(ok, "every manifest name parses back to itself");
	T_STR(spec_framework_name(FW_RAILS), "rails", "rails");
	T_STR(spec_framework_name(FW_NONE), "none", "none");
	T_STR(spec_manifest_name(MF_SPROCKETS), "sprockets", "sprockets");
	T_OK(spec_framework_name(FW_UNSET) == NULL, "UNSET has no name");
	T_OK(spec_manifest_name(MF_UNSET) == NULL, "UNSET has no name");
	f = FW_VITE;
	T_OK(spec_framework_parse("Rails", &f) == -1 && f == FW_VITE,
	     "names are lower case");
	T_OK(spec_framework_parse("", &f) == -1, "empty framework name");
	T_OK(spec_manifest_parse("auto", &m) == 0 && m == MF_AUTO, "auto");
	T_OK(spec_manifest_parse("rails", &m) == -1, "rails is no manifest");
}

TAP_SUITE(spec_helpers)
{
	char text[] = "tmp/cache";
	struct spec s;

	spec_init(&s);
	T_OK(s.path == NULL && s.framework == FW_UNSET &&
		     s.outputs.manifest == MF_UNSET &&
		     s.sandbox.network == NET_UNSET &&
		     s.outputs.sourcemaps == SM_UNSET && !s.command.set &&
		     !s.env.set.set && s.command_shell == 0,
	     "init: enums unset, lists not given");
	T_OK(s.sandbox.timeout_ms == -1 && s.sandbox.strict == -1 &&
		     s.sandbox.limits.cpu_ms == -1 &&
		     s.sandbox.limits.memory == -1 &&
		     s.sandbox.limits.files == -1 &&
		     s.sandbox.limits.processes == -1 &&
		     s.sandbox.limits.file_size == -1 &&
		     s.outputs.min_files == -1 && s.outputs.max_bytes == -1,
	     "init: every number is -1");

	T_OK(spec_list_add(&s.sandbox.writable, text, 0, 0) == 0 &&
		     spec_list_add(&s.sandbox.writable, "b", 4, 2) == 0,
	     "list add");
	text[0] = 'X';
	T_STR(s.sandbox.writable.v[0].s, "tmp/cache", "the list has a copy");
	T_OK(s.sandbox.writable.set && s.sandbox.writable.n == 2 &&
		     s.sandbox.writable.v[1].line == 4 &&
		     s.sandbox.writable.v[1].col == 2,
	     "list set, count and position");
	for (int i = 0; i < 100; i++)
		spec_list_add(&s.inputs, "x", 0, 0);
	T_INT(s.inputs.n, 100, "a list grows");

	T_OK(spec_map_put(&s.env.set, "A", "1", 1, 1) == 0 &&
		     spec_map_put(&s.env.set, "B", "2", 0, 0) == 0 &&
		     spec_map_put(&s.env.set, "A", "3", 0, 0) == 0,
	     "map put");
	T_INT(s.env.set.n, 2, "put replaces an existing name");
	T_STR(s.env.set.v[0].value.s, "3", "the new value");
	T_INT(s.env.set.v[0].value.line, 0, "the new value's position");
	T_OK(s.env.set.set, "the map is set");
	{
		struct spec_map m = {0};

		T_OK(spec_map_put(&m, "A", "1", 0, 0) == 0 &&
			     spec_map_put(&m, "B", "2", 0, 0) == 0,
		     "a map of its own");
		spec_map_free(&m);
		T_OK(m.v == NULL && m.n == 0 && m.cap == 0 && !m.set,
		     "spec_map_free leaves it empty");
		spec_map_free(&m);
		T_OK(m.v == NULL, "a second spec_map_free is harmless");
	}

	T_OK(spec_str_set(&s.workdir, "a", 2, 3) == 0 &&
		     spec_str_set(&s.workdir, "b", 5, 6) == 0,
	     "str set");
	T_OK(strcmp(s.workdir.s, "b") == 0 && s.workdir.line == 5 &&
		     s.workdir.col == 6,
	     "str set replaces value and position");
	T_OK(spec_str_set(&s.workdir, NULL, 0, 0) == 0 && s.workdir.s == NULL,
	     "str set NULL clears");

	spec_free(&s);
	T_OK(s.sandbox.writable.v == NULL && s.env.set.n == 0 &&
		     s.sandbox.timeout_ms == -1,
	     "free leaves an empty spec");
	spec_free(&s);
	T_OK(1, "a second free is harmless");
}

static int write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int ok;

	if (fd < 0)
		return -1;
	ok = write(fd, data, len) == (ssize_t)len;
	return close(fd) == 0 && ok ? 0 : -1;
}

TAP_SUITE(spec_load_file)
{
	char dir[] = "/tmp/cleanroom-spec.XXXXXX";
	char path[256], msg[1024];
	char *big;
	struct spec s;
	struct err e = {0};

	if (!T_OK(mkdtemp(dir) != NULL, "temporary directory"))
		return;
	snprintf(path, sizeof path, "%s/cleanroom.yml", dir);

	spec_init(&s);
	T_OK(spec_load(path, &s, &e) == -1 && e.kind == ERR_CONFIG,
	     "a missing spec is a config error");
	err_format(&e, msg, sizeof msg);
	T_OK(strstr(msg, "cleanroom.yml: cannot read spec: No such file") !=
		     NULL,
	     "it names the file and the reason: %s", msg);
	T_OK(e.hint[0] != '\0', "with a hint");
	spec_free(&s);

	T_OK(write_file(path, full_spec, sizeof full_spec - 1) == 0,
	     "wrote the spec");
	spec_init(&s);
	T_OK(spec_load(path, &s, &e) == 0, "load: %s", e.msg);
	T_STR(s.path, path, "the spec remembers its path");
	T_STR(s.outputs.lock.s, "public/assets/cleanroom.lock", "a value");
	spec_free(&s);

	T_OK(write_file(path, "sandbox:\n  timeout: 1d\n", 23) == 0,
	     "wrote a bad spec");
	spec_init(&s);
	T_OK(spec_load(path, &s, &e) == -1, "a bad spec fails to load");
	T_STR(e.file, path, "the error names the file");
	T_OK(e.line == 2 && e.col == 12, "at 2:12");
	spec_free(&s);

	big = calloc(1, (1u << 20) + 1);
	if (big != NULL) {
		memset(big, '#', (1u << 20) + 1);
		T_OK(write_file(path, big, (1u << 20) + 1) == 0,
		     "wrote 1 MiB+1");
		spec_init(&s);
		T_OK(spec_load(path, &s, &e) == -1 && e.kind == ERR_CONFIG,
		     "a spec over 1 MiB is refused");
		T_STR(e.msg, "cannot read spec: larger than 1 MiB", "why");
		spec_free(&s);
		free(big);
	}

	spec_init(&s);
	T_OK(spec_load(dir, &s, &e) == -1 && e.kind == ERR_CONFIG &&
		     strcmp(e.msg, "cannot read spec: Is a directory") == 0,
	     "a directory is refused: %s", e.msg);
	spec_free(&s);

	unlink(path);
	rmdir(dir);
}

/* Every key at once, in the fixture other suites use too. */
TAP_SUITE(spec_fixture)
{
	const char *path = "tests/fixtures/spec/full.yml";
	struct spec s;
	struct err e = {0};

	spec_init(&s);
	if (access(path, R_OK) != 0) {
		tap_diag("%s: not found from here; run from the repository",
			 path);
		T_OK(0, "fixture present");
		return;
	}
	T_OK(spec_load(path, &s, &e) == 0, "the fixture loads: %s", e.msg);
	T_INT(s.framework, FW_RAILS, "framework");
	T_INT(s.outputs.sourcemaps, SM_FORBID, "sourcemaps");
	T_INT(s.sandbox.limits.processes, 1024, "limits");
	T_INT(s.env.set.n, 3, "env.set");
	spec_free(&s);
}
