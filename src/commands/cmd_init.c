/*
 * `cleanroom init [--framework NAME]`: writes a commented starter
 * cleanroom.yml (or -f SPEC) for the named or detected framework. The file
 * holds every key of the spec: the preset's values filled in, each
 * writable directory and environment default with its reason above it,
 * and every other key commented out with its meaning and an example, so
 * the file doubles as the spec's reference. It never overwrites: the text
 * goes to a temporary file in the same directory, which is then hard-linked
 * to the final name; link(2) fails with EEXIST when the name exists, so
 * there is no window in which an existing spec could be replaced, and a
 * crash leaves no half-written spec behind.
 */
#include "commands.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "job.h"
#include "lock.h"
#include "msg.h"
#include "preset.h"
#include "run.h"
#include "spec.h"
#include "vec.h"

extern char **environ;

#define WIDTH 78

/* The text being built. Formatting failures are remembered and reported
 * once at the end rather than checked after every line. */
struct out {
	struct buf b;
	int bad;
};

/* Where a line goes: the indentation of its section, and whether the
 * section itself is written out or left as a comment (when all its keys
 * are). In a commented section every line starts with "# " so that
 * removing that prefix from the whole block yields valid YAML. */
struct at {
	const char *indent;
	int on;
};

static void put(struct out *o, const char *s)
{
	if (buf_adds(&o->b, s) < 0)
		o->bad = 1;
}

/* buf_printf, remembering a failure; a macro because C cannot pass on
 * variadic arguments without a va_list variant of buf_printf. */
#define PUTF(o, ...)                                                           \
	do {                                                                   \
		if (buf_printf(&(o)->b, __VA_ARGS__) < 0)                      \
			(o)->bad = 1;                                          \
	} while (0)

/* Whether s can be written as a plain YAML scalar that reads back as the
 * same string in any context, flow lists included. Anything in doubt is
 * quoted: numbers and YAML 1.1 booleans (`1`, `on`) would otherwise be
 * typed by a YAML reader, and `*` starts an alias. */
static int plain_ok(const char *s)
{
	static const char *const words[] = {
		"null", "true", "false", "yes", "no",
		"on",	"off",	"y",	 "n",	NULL,
	};
	size_t len = strlen(s);

	if (len == 0 || s[len - 1] == ' ' ||
	    strchr("-?:,[]{}#&*!|>'\"%@` +", s[0]) != NULL ||
	    (s[0] >= '0' && s[0] <= '9') ||
	    (s[0] == '.' &&
	     ((s[1] >= '0' && s[1] <= '9') || strncasecmp(s, ".inf", 4) == 0 ||
	      strncasecmp(s, ".nan", 4) == 0)))
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f || strchr(",[]{}#*?\"'\\", c))
			return 0;
		if (c == ':' && (i + 1 == len || s[i + 1] == ' '))
			return 0;
	}
	for (size_t i = 0; words[i] != NULL; i++)
		if (strcasecmp(s, words[i]) == 0)
			return 0;
	return 1;
}

static void put_scalar(struct out *o, const char *s)
{
	if (plain_ok(s)) {
		put(o, s);
		return;
	}
	put(o, "\"");
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			PUTF(o, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			PUTF(o, "\\x%02x", c);
		else
			PUTF(o, "%c", c);
	}
	put(o, "\"");
}

/* The text of s as put_scalar writes it, into dst. */
static void scalar_text(char *dst, size_t size, const char *s)
{
	struct out t = {{0}, 0};

	put_scalar(&t, s);
	(void)snprintf(dst, size, "%s", t.bad || t.b.p == NULL ? "" : t.b.p);
	buf_free(&t.b);
}

/* The length of the word at p. A `quoted span` counts as one word, so
 * that a command such as `/bin/sh -c` is never split across lines. */
static size_t word_len(const char *p)
{
	size_t n = 0;
	int quoted = 0;

	for (; p[n] != '\0' && (quoted || p[n] != ' '); n++)
		if (p[n] == '`')
			quoted = !quoted;
	return n;
}

/* Comment text, word-wrapped at WIDTH after prefix. */
static void put_wrapped(struct out *o, const char *prefix, const char *text)
{
	size_t plen = strlen(prefix), col = 0;
	const char *p = text;

	while (*p != '\0') {
		size_t wl;

		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		wl = word_len(p);
		if (col > 0 && col + 1 + wl > WIDTH) {
			put(o, "\n");
			col = 0;
		}
		if (col == 0) {
			put(o, prefix);
			col = plen;
		} else {
			put(o, " ");
			col++;
		}
		PUTF(o, "%.*s", (int)wl, p);
		col += wl;
		p += wl;
	}
	if (col > 0)
		put(o, "\n");
}

/* A comment saying what a key means. */
static void note(struct out *o, const struct at *a, const char *text)
{
	char prefix[32];

	(void)snprintf(prefix, sizeof prefix, "%s%s# ", a->on ? "" : "# ",
		       a->indent);
	put_wrapped(o, prefix, text);
}

/* The start of a key's line: written out (active) or commented. */
static void key_prefix(char *dst, size_t size, const struct at *a, int active)
{
	if (!a->on)
		(void)snprintf(dst, size, "# %s", a->indent);
	else
		(void)snprintf(dst, size, "%s%s", a->indent,
			       active ? "" : "# ");
}

static void key(struct out *o, const struct at *a, int active, const char *name,
		const char *value)
{
	char prefix[32];

	key_prefix(prefix, sizeof prefix, a, active);
	PUTF(o, "%s%s:", prefix, name);
	if (value != NULL) {
		put(o, " ");
		put_scalar(o, value);
	}
	put(o, "\n");
}

/* A key whose example value is written as is: a number, a boolean, a
 * duration or a size, which quoting would turn into a string. */
static void key_raw(struct out *o, const struct at *a, int active,
		    const char *name, const char *value)
{
	char prefix[32];

	key_prefix(prefix, sizeof prefix, a, active);
	PUTF(o, "%s%s: %s\n", prefix, name, value);
}

/* `name: [a, b, ...]`, wrapped at WIDTH with continuation lines indented
 * two more than the key, as YAML allows for flow collections. Items are
 * scalars (quoted as needed) unless raw. */
static void flow(struct out *o, const struct at *a, int active,
		 const char *name, const char *const *items, int raw,
		 const char *open, const char *close)
{
	char prefix[32], cont[40], item[256];
	size_t col;

	key_prefix(prefix, sizeof prefix, a, active);
	(void)snprintf(cont, sizeof cont, "%s  ", prefix);
	PUTF(o, "%s%s: %s", prefix, name, open);
	col = strlen(prefix) + strlen(name) + 2 + strlen(open);
	for (size_t i = 0; items[i] != NULL; i++) {
		size_t need;

		if (raw)
			(void)snprintf(item, sizeof item, "%s", items[i]);
		else
			scalar_text(item, sizeof item, items[i]);
		/* ", " before the item, "," or the bracket after it. */
		need = 2 + strlen(item) + 1;
		if (i > 0 && col + need > WIDTH) {
			PUTF(o, ",\n%s", cont);
			col = strlen(cont);
		} else if (i > 0) {
			put(o, ", ");
			col += 2;
		}
		put(o, item);
		col += strlen(item);
	}
	PUTF(o, "%s\n", close);
}

static size_t count(const char *const *v)
{
	size_t n = 0;

	while (v != NULL && v[n] != NULL)
		n++;
	return n;
}

/* Examples for keys the preset leaves alone, chosen to fit the framework
 * so that uncommenting one gives something plausible. */
static const char *example_pass(enum framework fw)
{
	switch (fw) {
	case FW_RAILS: return "RAILS_MASTER_KEY";
	case FW_DJANGO: return "SECRET_KEY";
	default: return "MY_BUILD_SECRET";
	}
}

static const char *example_require_file(enum framework fw)
{
	switch (fw) {
	case FW_RAILS: return "application-*.css";
	case FW_DJANGO: return "admin/css/base.*.css";
	default: return "assets/index-*.js";
	}
}

static void put_header(struct out *o, const struct preset *p,
		       const struct detection *d)
{
	static const struct at top = {"", 1};
	char text[768];

	if (p != NULL)
		(void)snprintf(
			text, sizeof text,
			CONFIG_SPEC_FILE
			": how `cleanroom run` builds this app's "
			"assets in a clean room and verifies them before they "
			"are kept. Written by `cleanroom init` for %s (%s).",
			p->name, d->reason);
	else
		(void)snprintf(
			text, sizeof text,
			CONFIG_SPEC_FILE
			": how `cleanroom run` builds this app's "
			"assets in a clean room and verifies them before they "
			"are kept. Written by `cleanroom init` with no "
			"framework preset: fill in the command and "
			"outputs.root.");
	note(o, &top, text);
	put(o, "#\n");
	note(o, &top,
	     "Every key is optional. A key that is commented out keeps the "
	     "default shown with it; a command-line flag overrides a key "
	     "(see `cleanroom help run`).");
	if (p != NULL && p->notes != NULL) {
		put(o, "#\n");
		note(o, &top, p->notes);
	}
	put(o, "\n");
}

static void put_top(struct out *o, const struct preset *p)
{
	static const struct at top = {"", 1};

	note(o, &top,
	     "rails | django | vite | webpack | none; default: "
	     "detected from the files in the workdir.");
	key(o, &top, 1, "framework", p != NULL ? p->name : "none");
	put(o, "\n");
	if (p != NULL)
		note(o, &top,
		     "A string runs under `/bin/sh -c` (as Docker's "
		     "shell form); a list is exec'd directly. A "
		     "command after `--` replaces it.");
	else
		note(o, &top,
		     "The build command, required here or after `--`. "
		     "A string runs under `/bin/sh -c` (as Docker's "
		     "shell form); a list is exec'd directly.");
	key(o, &top, p != NULL, "command",
	    p != NULL ? p->command : "npm run build");
	put(o, "\n");
	note(o, &top, "The directory the build runs in (-C DIR).");
	key_raw(o, &top, 0, "workdir", ".");
	put(o, "\n");
}

/* The note on env.inherit, naming config_default_inherit's entries. */
static void inherit_note(struct out *o, const struct at *a)
{
	struct buf text = {0};
	int bad = buf_adds(&text, "Variables passed on from cleanroom's own "
				  "environment (globs allowed). Default: ") < 0;

	for (size_t i = 0; !bad && config_default_inherit[i] != NULL; i++)
		bad = buf_printf(&text, "%s%s", i > 0 ? ", " : "",
				 config_default_inherit[i]) < 0;
	if (bad || buf_adds(&text, " and the framework preset's names.") < 0)
		o->bad = 1;
	else
		note(o, a, text.p);
	buf_free(&text);
}

static void put_env(struct out *o, const struct preset *p)
{
	const char *inherit[64];
	const struct at top = {"", 1}, a = {"  ", p != NULL};
	const char *ex[2] = {NULL, NULL};
	size_t n = 0;

	for (size_t i = 0; config_default_inherit[i] != NULL; i++)
		inherit[n++] = config_default_inherit[i];
	for (size_t i = 0; p != NULL && p->inherit[i] != NULL; i++)
		if (n + 1 < sizeof inherit / sizeof inherit[0])
			inherit[n++] = p->inherit[i];
	inherit[n] = NULL;

	key(o, &top, a.on, "env", NULL);
	note(o, &a,
	     "Env files, read as `set -a; . FILE` would but without a "
	     "shell. Default: " CONFIG_DEFAULT_ENV_FILE " when it is present.");
	ex[0] = CONFIG_DEFAULT_ENV_FILE;
	flow(o, &a, 0, "files", ex, 0, "[", "]");
	inherit_note(o, &a);
	flow(o, &a, p != NULL, "inherit", inherit, 0, "[", "]");
	note(o, &a,
	     "Secrets from the env files that the build may see; the "
	     "others are withheld from it.");
	ex[0] = example_pass(p != NULL ? p->framework : FW_NONE);
	flow(o, &a, 0, "pass", ex, 0, "[", "]");
	note(o, &a,
	     "Fixed values; they win over inherited variables and env "
	     "files. Written in the open, they are no secrets (neither "
	     "masked nor searched for) unless also named under secret.");
	if (p != NULL && p->set[0].name != NULL) {
		const struct at in = {"    ", 1};

		key(o, &a, 1, "set", NULL);
		for (size_t i = 0; p->set[i].name != NULL; i++) {
			note(o, &in, p->set[i].why);
			key(o, &in, 1, p->set[i].name, p->set[i].value);
		}
	} else {
		static const char *const kv[] = {"NODE_ENV: production", NULL};

		flow(o, &a, 0, "set", kv, 1, "{", "}");
	}
	note(o, &a,
	     "Names that must be set, or cleanroom stops with "
	     "exit " EXIT_CONFIG_S " before building.");
	ex[0] = p != NULL && p->inherit[0] != NULL ? p->inherit[0] : "NODE_ENV";
	flow(o, &a, 0, "require", ex, 0, "[", "]");
	note(o, &a,
	     "More names (globs allowed) to treat as secret, besides "
	     "*SECRET*, *PASSWORD*, *PASSWD*, *TOKEN*, *_KEY, "
	     "*KEY_BASE, *CREDENTIALS*, *PRIVATE* and DATABASE_URL.");
	ex[0] = "MY_*_THING";
	flow(o, &a, 0, "secret", ex, 0, "[", "]");
	note(o, &a,
	     "Names (globs allowed) whose values are public although they "
	     "look secret, such as a key the browser bundle is meant to "
	     "hold: passed to the build, never masked or searched for in "
	     "the outputs.");
	ex[0] = "VITE_*_PUBLISHABLE_KEY";
	flow(o, &a, 0, "public", ex, 0, "[", "]");
	put(o, "\n");
}

static void put_sandbox(struct out *o, const struct preset *p)
{
	static const char *const limits[] = {
		"cpu: 30m",	   "memory: 4G",    "files: 4096",
		"processes: 1024", "file_size: 2G", NULL,
	};
	int has_writable = p != NULL && p->writable[0].path != NULL;
	const struct at top = {"", 1}, a = {"  ", has_writable};
	const char *ex[2] = {NULL, NULL};

	key(o, &top, a.on, "sandbox", NULL);
	note(o, &a,
	     "deny | allow. Denied: no socket can be opened, but pairs of "
	     "connected Unix sockets (socketpair) can be made.");
	key_raw(o, &a, 0, "network", "deny");
	note(o, &a,
	     "With the network denied, let the build open Unix sockets "
	     "(a local daemon's, by path): only when it needs one.");
	key_raw(o, &a, 0, "unix_sockets", "false");
	if (has_writable) {
		const struct at in = {"    ", 1};

		note(o, &a,
		     "Where the build may write besides the outputs and "
		     "a private TMPDIR, relative to the workdir; above "
		     "each entry, why the framework needs it.");
		key(o, &a, 1, "writable", NULL);
		for (size_t i = 0; p->writable[i].path != NULL; i++) {
			char line[300];

			note(o, &in, p->writable[i].why);
			scalar_text(line, sizeof line, p->writable[i].path);
			PUTF(o, "%s- %s\n", in.indent, line);
		}
	} else {
		note(o, &a,
		     p != NULL ? "Where the build may write besides the "
				 "outputs and a private TMPDIR, relative "
				 "to the workdir. This framework needs "
				 "nothing more."
			       : "Where the build may write besides the "
				 "outputs and a private TMPDIR, relative "
				 "to the workdir.");
		ex[0] = "tmp/cache";
		flow(o, &a, 0, "writable", ex, 0, "[", "]");
	}
	note(o, &a,
	     "Run the build as this user; only when cleanroom is "
	     "started as root.");
	key_raw(o, &a, 0, "user", "nobody");
	note(o, &a,
	     "Then the whole process tree is killed (exit " EXIT_TIMEOUT_S
	     ").");
	key_raw(o, &a, 0, "timeout", "15m");
	note(o, &a, "Resource limits of the build.");
	flow(o, &a, 0, "limits", limits, 1, "{", "}");
	note(o, &a,
	     "When true, a sandbox layer that the kernel or the "
	     "container lacks is an error (exit " EXIT_SANDBOX_S
	     "), not a warning.");
	key_raw(o, &a, 0, "strict", "false");
	put(o, "\n");
}

static void put_outputs(struct out *o, const struct preset *p,
			const struct detection *d)
{
	const struct at top = {"", 1}, a = {"  ", p != NULL};
	const char *ex[2] = {NULL, NULL};
	char lock[300];
	const char *first = p != NULL ? p->outputs[0] : "dist";

	key(o, &top, a.on, "outputs", NULL);
	note(o, &a,
	     p != NULL ? "Where the build writes its outputs: a "
			 "directory or a list, relative to the workdir."
		       : "Where the build writes its outputs: a "
			 "directory or a list, relative to the "
			 "workdir. Required.");
	if (p != NULL && count(p->outputs) > 1)
		flow(o, &a, 1, "root", p->outputs, 0, "[", "]");
	else
		key(o, &a, p != NULL, "root", first);
	note(o, &a,
	     "auto | sprockets | propshaft | django | vite | webpack | "
	     "none: the manifest checked against the files.");
	key(o, &a, p != NULL, "manifest",
	    p != NULL ? spec_manifest_name(d->manifest) : "auto");
	note(o, &a, "allow | forbid: with forbid, *.map files are an error.");
	key(o, &a, 0, "sourcemaps", "allow");
	note(o, &a,
	     "Globs, relative to the root, that must each match an "
	     "output file.");
	ex[0] = example_require_file(p != NULL ? p->framework : FW_NONE);
	flow(o, &a, 0, "require", ex, 0, "[", "]");
	note(o, &a,
	     "Globs no output file may match, besides .env*, *.pem and "
	     "the env files, which are always forbidden.");
	ex[0] = "*.map";
	flow(o, &a, 0, "forbid", ex, 0, "[", "]");
	note(o, &a,
	     "Bounds on the number of output files and their total "
	     "size.");
	key_raw(o, &a, 0, "min_files", "1");
	key_raw(o, &a, 0, "max_bytes", "512M");
	note(o, &a,
	     "The lock of the output set, in sha256sum format. "
	     "Default: " LOCK_DEFAULT_NAME " in the first root.");
	(void)snprintf(lock, sizeof lock, "%s/" LOCK_DEFAULT_NAME, first);
	key(o, &a, 0, "lock", lock);
	put(o, "\n");
}

/* What init learned by running the app's own code in the sandbox
 * (Django's STATICFILES_DIRS): folders to add to the preset's inputs,
 * and what could not be learned, said in the spec and on stderr. */
struct learned {
	const char **dirs; /* NULL-terminated; strings in text */
	size_t n;
	struct buf text;
	struct buf unlearned; /* why, or the folders outside the workdir */
};

static void put_inputs(struct out *o, const struct preset *p,
		       const struct learned *l)
{
	static const char *const ex[] = {"src", "package-lock.json", NULL};
	const struct at top = {"", 1};
	const char **all = NULL;
	size_t n = p != NULL ? count(p->inputs) : 0;

	note(o, &top,
	     "What `cleanroom start` hashes to decide whether to "
	     "rebuild (globs allowed).");
	if (l->n > 0)
		note(o, &top,
		     "Learned from the settings' STATICFILES_DIRS (manage.py "
		     "run once in the sandbox by `cleanroom init`): the "
		     "folders after the preset's.");
	if (l->unlearned.len > 0) {
		char text[1024];

		(void)snprintf(text, sizeof text,
			       "Not learned: %s. List those folders here "
			       "yourself if start should rebuild when a file "
			       "in them changes.",
			       l->unlearned.p);
		note(o, &top, text);
	}
	if (p != NULL && l->n > 0 &&
	    (all = calloc(n + l->n + 1, sizeof *all)) != NULL) {
		for (size_t i = 0; i < n; i++)
			all[i] = p->inputs[i];
		for (size_t i = 0; i < l->n; i++)
			all[n + i] = l->dirs[i];
	} else if (p != NULL && l->n > 0) {
		o->bad = 1;
	}
	flow(o, &top, p != NULL, "inputs",
	     all != NULL ? all
	     : p != NULL ? p->inputs
			 : ex,
	     0, "[", "]");
	free(all);
}

/* The whole starter spec for p (NULL: no framework) into o. */
static void render(struct out *o, const struct preset *p,
		   const struct detection *d, const struct learned *l)
{
	put_header(o, p, d);
	put_top(o, p);
	put_env(o, p);
	put_sandbox(o, p);
	put_outputs(o, p, d);
	put_inputs(o, p, l);
}

/* Python run by `manage.py shell -c` in the sandbox: each folder of
 * STATICFILES_DIRS (a path, or a (prefix, path) pair), absolute,
 * NUL-terminated, into $TMPDIR/RUN_LEARN_FILE. */
static const char learn_py[] =
	"import os\n"
	"from django.conf import settings\n"
	"out = []\n"
	"for d in getattr(settings, 'STATICFILES_DIRS', None) or []:\n"
	"    if isinstance(d, (list, tuple)):\n"
	"        d = d[1]\n"
	"    out.append(os.path.abspath(os.fspath(d)) + '\\0')\n"
	"with open(os.path.join(os.environ['TMPDIR'], '" RUN_LEARN_FILE
	"'), 'w') as f:\n"
	"    f.write(''.join(out))\n";

static int learned_add_why(struct learned *l, const char *s, size_t n)
{
	if (l->unlearned.len > 0 && buf_adds(&l->unlearned, ", ") < 0)
		return -1;
	return buf_add(&l->unlearned, s, n);
}

/* Whether the workdir-relative folder rel is already an input of p: it
 * or a folder above it matches one of the preset's patterns. */
static int covered(const struct preset *p, const char *rel)
{
	char tmp[4096];

	if (snprintf(tmp, sizeof tmp, "%s", rel) >= (int)sizeof tmp)
		return 0;
	for (;;) {
		char *slash;

		for (size_t i = 0; p->inputs[i] != NULL; i++)
			if (fnmatch(p->inputs[i], tmp, FNM_PATHNAME) == 0)
				return 1;
		slash = strrchr(tmp, '/');
		if (slash == NULL)
			return 0;
		*slash = '\0';
	}
}

/* The folders in raw (absolute, NUL-terminated) that are inside the
 * workdir wd and not yet inputs, into l. */
static int learned_parse(struct learned *l, const struct preset *p,
			 const char *wd, struct buf *raw)
{
	size_t wl = strlen(wd), cap = 0;

	for (size_t at = 0; at < raw->len;) {
		char *s = raw->p + at;
		size_t n = strnlen(s, raw->len - at);
		const char *rel;
		int bad = 0;

		if (at + n >= raw->len)
			break; /* unterminated: not trusted */
		at += n + 1;
		for (size_t i = 0; i < n; i++)
			bad |= (unsigned char)s[i] < 0x20 || s[i] == 0x7f;
		if (bad || n > 200 || strstr(s, "/../") != NULL) {
			if (learned_add_why(l, "a folder with an unusual name",
					    strlen("a folder with an unusual "
						   "name")) < 0)
				return -1;
			continue;
		}
		if (strncmp(s, wd, wl) != 0 || s[wl] != '/' || s[wl + 1] == 0) {
			if (learned_add_why(l, s, n) < 0 ||
			    buf_adds(&l->unlearned, " (outside the workdir)") <
				    0)
				return -1;
			continue;
		}
		rel = s + wl + 1;
		if (covered(p, rel))
			continue;
		if (vec_grow((void **)&l->dirs, &cap, l->n + 2,
			     sizeof *l->dirs) < 0)
			return -1;
		l->dirs[l->n++] = rel;
		l->dirs[l->n] = NULL;
	}
	return 0;
}

/* Django: STATICFILES_DIRS, from the settings themselves, by running
 * manage.py in the sandbox as the build would run (network denied,
 * writes only to the output root and a private TMPDIR). What fails is
 * said, and init goes on: the spec is still written. */
static int learn_django(const struct preset *p, struct learned *l)
{
	struct spec ov;
	struct job j;
	struct job_request rq = {.over = &ov,
				 .policy = JOB_POLICY_REQUIRED,
				 .env = environ,
				 .no_spec = 1};
	struct run_opts ro = {.learn = &l->text};
	struct err e = {0};
	enum msg_level level = msg_level();
	static const char *const argv[] = {"python3", "manage.py", "shell",
					   "-c",      learn_py,	   NULL};
	int rc = 0, had[8] = {1, 1, 1, 1, 1, 1, 1, 1};

	if (access("manage.py", F_OK) < 0)
		return 0; /* named with --framework: nothing to run */
	spec_init(&ov);
	ov.framework = FW_DJANGO;
	ov.command.set = 1;
	for (size_t i = 0; argv[i] != NULL; i++)
		if (spec_list_add(&ov.command, argv[i], 0, 0) < 0) {
			spec_free(&ov);
			return -1;
		}
	for (size_t i = 0; p->outputs[i] != NULL && i < 8; i++)
		had[i] = access(p->outputs[i], F_OK) == 0;
	if (level < MSG_VERBOSE)
		msg_set_level(MSG_QUIET);
	if (job_load(&rq, &j, &e) == 0) {
		if (run_build(&j, &ro, &e) == 0)
			rc = learned_parse(l, p, j.wd_abs, &l->text);
		job_free(&j);
	}
	msg_set_level(level);
	spec_free(&ov);
	/* The output roots the sandbox plan made, when they were not
	 * there before and are still empty: learning leaves nothing. */
	for (size_t i = 0; p->outputs[i] != NULL && i < 8; i++)
		if (!had[i])
			(void)rmdir(p->outputs[i]);
	if (e.msg[0] != '\0') {
		if (learned_add_why(l, "manage.py failed in the sandbox (",
				    strlen("manage.py failed in the sandbox "
					   "(")) < 0 ||
		    buf_adds(&l->unlearned, e.msg) < 0 ||
		    buf_addc(&l->unlearned, ')') < 0)
			return -1;
	}
	return rc;
}

static int sync_dir(const char *dir, struct err *e)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return err_sys(e, errno, "%s", dir);
	/* Some filesystems cannot sync a directory (EINVAL); the file
	 * itself was synced, which is what matters most. */
	if (fsync(fd) < 0 && errno != EINVAL && errno != EROFS) {
		int saved = errno;

		close(fd);
		return err_sys(e, saved, "syncing %s", dir);
	}
	close(fd);
	return 0;
}

/* Writes len bytes to path, which must not exist yet. */
static int write_new(const char *path, const char *text, size_t len,
		     struct err *e)
{
	char tmp[4096], dir[4096];
	const char *slash = strrchr(path, '/');
	int fd = -1, rc = -1;

	if (slash != NULL)
		(void)snprintf(dir, sizeof dir, "%.*s",
			       (int)(slash - path) + (slash == path), path);
	else
		(void)snprintf(dir, sizeof dir, ".");
	/* Hidden and named after the pid, so that two concurrent inits
	 * never share a temporary file; O_EXCL refuses a leftover. */
	if ((size_t)snprintf(tmp, sizeof tmp, "%s/.%s.%ld.tmp", dir,
			     slash != NULL ? slash + 1 : path,
			     (long)getpid()) >= sizeof tmp)
		return err_set(e, ERR_USAGE, NULL, 0, 0, "%s: path too long",
			       path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		  0666);
	if (fd < 0)
		return err_sys(e, errno, "creating %s", tmp);
	if (io_write_all(fd, text, len) < 0) {
		err_sys(e, errno, "writing %s", tmp);
		goto out;
	}
	if (fsync(fd) < 0) {
		err_sys(e, errno, "syncing %s", tmp);
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		err_sys(e, errno, "writing %s", tmp);
		goto out;
	}
	fd = -1;
	if (link(tmp, path) < 0) {
		if (errno == EEXIST) {
			err_set(e, ERR_CONFIG, NULL, 0, 0, "%s already exists",
				path);
			err_hint(e, "edit it, or remove it and run "
				    "'cleanroom init' again");
		} else {
			err_sys(e, errno, "creating %s", path);
		}
		goto out;
	}
	rc = sync_dir(dir, e);
out:
	if (fd >= 0)
		close(fd);
	if (unlink(tmp) < 0 && rc == 0)
		rc = err_sys(e, errno, "removing %s", tmp);
	return rc;
}

int cmd_init(const struct cli *c, struct err *e)
{
	const char *target = c->spec != NULL ? c->spec : CONFIG_SPEC_FILE;
	const struct preset *p;
	struct detection d;
	struct out o = {{0}, 0};
	struct learned l = {0};
	enum framework fw = FW_UNSET;
	char *cwd;
	int rc = -1;

	if (c->framework != NULL &&
	    spec_framework_parse(c->framework, &fw) < 0) {
		err_set(e, ERR_USAGE, NULL, 0, 0,
			"--framework: unknown framework '%s'", c->framework);
		err_hint(e, "--framework rails|django|vite|webpack|none");
		return -1;
	}
	/* main has already changed to -C DIR; the absolute path makes the
	 * messages say which directory was looked at. */
	cwd = getcwd(NULL, 0);
	if (cwd == NULL)
		return err_sys(e, errno, "finding the current directory");
	if (fw == FW_UNSET) {
		if (preset_detect(cwd, &d, e) < 0)
			goto out;
		if (d.framework == FW_NONE) {
			err_set(e, ERR_CONFIG, NULL, 0, 0,
				"no framework detected in %s", cwd);
			err_hint(e,
				 "found %s; name one with --framework "
				 "rails|django|vite|webpack|none",
				 d.reason);
			goto out;
		}
	} else if (preset_detect_as(cwd, fw, &d, e) < 0) {
		goto out;
	}
	p = preset_get(d.framework);
	/* Not when init will refuse: the spec is there already. */
	if (d.framework == FW_DJANGO && access(target, F_OK) < 0 &&
	    learn_django(p, &l) < 0) {
		err_sys(e, ENOMEM, "init");
		goto out;
	}
	for (size_t i = 0; i < l.n; i++)
		msg_info("init: STATICFILES_DIRS has %s: added to inputs",
			 l.dirs[i]);
	if (l.unlearned.len > 0)
		msg_warn("init: not learned: %s; add STATICFILES_DIRS' "
			 "folders under inputs: in %s",
			 l.unlearned.p, target);
	render(&o, p, &d, &l);
	if (o.bad) {
		err_sys(e, ENOMEM, "formatting %s", target);
		goto out;
	}
	if (write_new(target, o.b.p, o.b.len, e) < 0)
		goto out;
	if (p != NULL)
		msg_info("wrote %s for %s (%s)", target, p->name, d.reason);
	else
		msg_info("wrote %s with no framework preset: fill in the "
			 "command and outputs.root",
			 target);
	rc = 0;
out:
	buf_free(&o.b);
	free(l.dirs);
	buf_free(&l.text);
	buf_free(&l.unlearned);
	free(cwd);
	return rc;
}
