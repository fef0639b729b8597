/*
 * The path in a refused write's message (src/refusal.c), as each tool
 * prints it, made relative to the workdir; whether it is an asset; and
 * the output root to name for one.
 */
#include <string.h>

#include "refusal.h"
#include "tap.h"

struct refusal_case {
	const char *line;
	const char *path;
	int beneath, asset;
	const char *root;
};

TAP_SUITE(refusal_forms)
{
	static const struct refusal_case cases[] = {
		/* Node, absolute beneath the workdir. */
		{"Error: EACCES: permission denied, open "
		 "'/app/public/build/assets/index-4f2a.js'",
		 "public/build/assets/index-4f2a.js", 1, 1, "public/build"},
		/* sh's redirection. */
		{"sh: 1: cannot create config/leak.txt: Permission denied",
		 "config/leak.txt", 1, 0, ""},
		/* GNU mkdir in a UTF-8 locale. */
		{"mkdir: cannot create directory \xe2\x80\x98public/packs"
		 "\xe2\x80\x99: Permission denied",
		 "public/packs", 1, 1, "public/packs"},
		/* mkdir of a directory that is no build-output name. */
		{"mkdir: cannot create directory 'public/x': Permission denied",
		 "public/x", 1, 0, ""},
		/* Python. */
		{"PermissionError: [Errno 13] Permission denied: "
		 "'/app/staticfiles/admin/css/base.css'",
		 "staticfiles/admin/css/base.css", 1, 1, "staticfiles"},
		/* Ruby. */
		{"Errno::EACCES: Permission denied @ rb_sysopen - "
		 "/app/public/assets/application-1f2e.css",
		 "public/assets/application-1f2e.css", 1, 1, "public/assets"},
		/* An asset in a directory of no build-output name. */
		{"EACCES: permission denied, open 'public/app.js'",
		 "public/app.js", 1, 1, "public"},
		/* Outside the workdir: a cache, never an output root. */
		{"EACCES: permission denied, mkdir '/root/.npm/_cacache'",
		 "/root/.npm/_cacache", 0, 0, ""},
		{"EACCES: permission denied, open '../x/app.js'", "../x/app.js",
		 0, 0, ""},
		/* A file at the top: no directory to name. */
		{"EACCES: permission denied, open './app.js'", "app.js", 1, 0,
		 ""},
		/* coreutils (cat, cp, tee): "PROG: PATH: Permission
		 * denied". */
		{"cat: config/master.key: Permission denied",
		 "config/master.key", 1, 0, ""},
		{"cat: /root/.pyenv/version: Permission denied",
		 "/root/.pyenv/version", 0, 0, ""},
		/* A word that is no path. */
		{"foo: bar: Permission denied", "", 0, 0, ""},
		/* No path at all. */
		{"Permission denied", "", 0, 0, ""},
		{"EROFS: read-only file system", "", 0, 0, ""},
	};

	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		const struct refusal_case *c = &cases[i];
		struct refusal r;

		refusal_parse(c->line, "/app", &r);
		T_STR(r.path, c->path, c->line);
		T_INT(r.beneath, c->beneath, c->line);
		T_INT(r.asset, c->asset, c->line);
		T_STR(r.root, c->root, c->line);
	}
}

/* The workdir's own name is not taken for a prefix of a sibling's. */
TAP_SUITE(refusal_workdir_prefix)
{
	struct refusal r;

	refusal_parse("EACCES: permission denied, open '/appx/dist/a.js'",
		      "/app", &r);
	T_STR(r.path, "/appx/dist/a.js", "kept absolute");
	T_INT(r.beneath, 0, "not beneath /app");
}
