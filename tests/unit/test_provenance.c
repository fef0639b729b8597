/*
 * The provenance statement (src/proof/provenance.c): its place derived
 * from the lock's and refused inside an output root, the canonical text
 * against a golden file (every field fixed: times, version, sandbox), the
 * check against a lock (equal; a digest changed; a file added or
 * removed; names that are not UTF-8; text that is not a statement), the
 * dependency lock files read beneath the workdir, and json.h's escaper.
 * UPDATE_GOLDEN=1 rewrites the golden file (review the diff).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"
#include "provenance.h"
#include "tap.h"

#define GOLDEN "tests/fixtures/provenance/statement.json"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *p;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	p = calloc(1, (size_t)n + 1);
	if (p != NULL && fread(p, 1, (size_t)n, f) != (size_t)n) {
		free(p);
		p = NULL;
	}
	fclose(f);
	return p;
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		abort();
	fputs(text, f);
	fclose(f);
}

static void check_place(const char *lock, const char *const *roots, size_t n,
			const char *want)
{
	char *got = provenance_path_for_lock(lock, roots, n);

	T_STR(got, want, lock);
	free(got);
}

TAP_SUITE(provenance_place)
{
	static const char *const out[] = {"out"};
	static const char *const dotted[] = {"./public/assets/"};
	static const char *const here[] = {"."};
	static const char *const abs[] = {"/srv/assets"};

	check_place("out/cleanroom.lock", out, 1, "cleanroom.provenance.json");
	check_place("out/sub/app.lock", out, 1, "app.provenance.json");
	check_place("public/assets/cleanroom.lock", dotted, 1,
		    "cleanroom.provenance.json");
	check_place("release/app.lock", out, 1, "release/app.provenance.json");
	check_place("cleanroom.lock", out, 1, "cleanroom.provenance.json");
	check_place("/tmp/r/build-1.lock", out, 1,
		    "/tmp/r/build-1.provenance.json");
	check_place("/srv/assets/cleanroom.lock", abs, 1,
		    "cleanroom.provenance.json");
	check_place("outlock/x", out, 1, "outlock/x.provenance.json");
	check_place(".lock", NULL, 0, ".lock.provenance.json");

	T_OK(provenance_inside_roots("out/x.json", out, 1), "out/x inside");
	T_OK(provenance_inside_roots("./out//./x.json", out, 1),
	     "./out//./x inside");
	T_OK(provenance_inside_roots("out", out, 1), "the root itself");
	T_OK(!provenance_inside_roots("outx/y.json", out, 1),
	     "outx is not out");
	T_OK(!provenance_inside_roots("out/../x.json", out, 1),
	     "out/.. climbs out");
	T_OK(provenance_inside_roots("a/../out/x.json", out, 1),
	     "a/../out is out");
	T_OK(provenance_inside_roots("x.json", here, 1), "root . holds all");
	T_OK(!provenance_inside_roots("../x.json", here, 1),
	     "../ is outside root .");
	T_OK(provenance_inside_roots("/srv/assets/p.json", abs, 1),
	     "absolute inside");
	T_OK(!provenance_inside_roots("/srv/assetsx/p.json", abs, 1),
	     "absolute beside");
}

TAP_SUITE(provenance_config)
{
	struct spec s;
	struct err e = {0};
	char *p = NULL;

	spec_init(&s);
	spec_list_add(&s.outputs.roots, "public/assets", 0, 0);
	T_OK(provenance_path(&s, &p, &e) == 0, "default: %s", e.msg);
	T_STR(p, "cleanroom.provenance.json", "default beside the workdir");
	free(p);
	spec_str_set(&s.outputs.lock, "release/cleanroom.lock", 0, 0);
	T_OK(provenance_path(&s, &p, &e) == 0, "lock outside: %s", e.msg);
	T_STR(p, "release/cleanroom.provenance.json", "beside the lock");
	free(p);
	s.outputs.provenance.off = 0;
	spec_str_set(&s.outputs.provenance.path, "public/assets/p.json", 4, 15);
	T_OK(provenance_path(&s, &p, &e) < 0, "inside a root: refused");
	T_INT(e.kind, ERR_CONFIG, "as a configuration error");
	T_OK(strstr(e.msg, "inside an output root") != NULL, "says why: %s",
	     e.msg);
	T_OK(p == NULL, "no path");
	s.outputs.provenance.off = 1;
	T_OK(provenance_path(&s, &p, &e) == 0 && p == NULL, "false: none");
	spec_free(&s);
}

static const unsigned char d1[32] = {1, 2, 3};
static const unsigned char d2[32] = {0xff, 0xee};

static void fill_lock(struct lock *l)
{
	lock_init(l);
	lock_add(l, "out/app-1a2b.js", d1);
	lock_add(l, "out/say \"hi\"\n.txt", d2);
	lock_add(l, "out/caf\xe9.css", d1); /* Latin-1, not UTF-8 */
	lock_sort(l);
}

static void format_fixed(const struct lock *l, struct buf *out)
{
	static const char *const cmd[] = {"npm", "run", "build"};
	static const char *const given[] = {"PATH", "NODE_ENV", "HOME", "PATH",
					    "TMPDIR"};
	static const char *const withheld[] = {"STRIPE_SECRET_KEY",
					       "DATABASE_URL"};
	static const unsigned char spec_sha[32] = {0xab, 0xcd};
	struct provenance_dep deps[] = {{"package-lock.json", {9, 8, 7}},
					{"yarn.lock", {6, 5}}};
	struct provenance_deps dl = {deps, 2, 2};
	struct sandbox_status st = {0};
	struct provenance_info pi = {0};

	st.n = 2;
	st.layer[0] = (struct sandbox_layer){.name = "landlock",
					     .state = LAYER_ON,
					     .detail = "ABI 6: fs+tcp"};
	st.layer[1] = (struct sandbox_layer){.name = "netns",
					     .state = LAYER_NOT_REQUESTED,
					     .detail = "not needed"};
	pi.lock = l;
	pi.command = cmd;
	pi.ncommand = 3;
	pi.framework = "vite";
	pi.spec_name = "cleanroom.yml";
	pi.spec_sha256 = spec_sha;
	pi.deps = &dl;
	pi.given = given;
	pi.ngiven = 5;
	pi.withheld = withheld;
	pi.nwithheld = 2;
	pi.version = "9.9.9-test";
	pi.sandbox_summary = "sandbox: landlock v6 fs+tcp";
	pi.sandbox = &st;
	pi.started = 1764968400;  /* 2025-12-05T21:00:00Z */
	pi.finished = 1764968461; /* a minute later */
	T_OK(provenance_format(&pi, out) == 0, "formats");
}

TAP_SUITE(provenance_golden)
{
	struct lock l;
	struct buf a = {0}, b = {0};
	char *want;

	fill_lock(&l);
	format_fixed(&l, &a);
	format_fixed(&l, &b);
	T_OK(a.len > 0 && a.len == b.len && memcmp(a.p, b.p, a.len) == 0,
	     "the same facts give the same bytes");
	if (getenv("UPDATE_GOLDEN") != NULL && a.p != NULL)
		put(GOLDEN, a.p);
	want = slurp(GOLDEN);
	T_STR(a.p ? a.p : "", want ? want : "",
	      "the statement is the golden one");
	T_OK(a.p && strstr(a.p, "\"startedOn\":\"2025-12-05T21:00:00Z\""),
	     "RFC 3339 UTC start");
	T_OK(a.p && strstr(a.p, "\"given\":[\"HOME\",\"NODE_ENV\",\"PATH\","
				"\"TMPDIR\"]"),
	     "given names sorted, each once");
	free(want);
	buf_free(&a);
	buf_free(&b);
	lock_free(&l);
}

static size_t check(const char *text, const struct lock *l, struct findings *f,
		    struct provenance_result *r)
{
	struct err e = {0};

	findings_free(f);
	memset(r, 0, sizeof *r);
	T_OK(provenance_check_text("p.json", text, strlen(text), l, f, r, &e) ==
		     0,
	     "checks: %s", e.msg);
	return f->n;
}

static int has(const struct findings *f, const char *path, const char *msg)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->v[i].check, "provenance") == 0 &&
		    f->v[i].level == FIND_ERROR &&
		    (path == NULL ||
		     (f->v[i].path && strcmp(f->v[i].path, path) == 0)) &&
		    strstr(f->v[i].msg, msg) != NULL)
			return 1;
	return 0;
}

TAP_SUITE(provenance_check)
{
	struct lock l, other;
	struct buf text = {0};
	struct findings f = {0};
	struct provenance_result r;
	static const unsigned char d3[32] = {3};
	char *edited;

	fill_lock(&l);
	format_fixed(&l, &text);
	T_INT(check(text.p, &l, &f, &r), 0, "its own lock: no finding");
	T_OK(r.checked && r.nsubjects == 3 && r.ndiffering == 0,
	     "3 subjects checked");

	/* A digest changed in the lock. */
	lock_init(&other);
	lock_add(&other, "out/app-1a2b.js", d3);
	lock_add(&other, "out/say \"hi\"\n.txt", d2);
	lock_add(&other, "out/caf\xe9.css", d1);
	lock_sort(&other);
	T_INT(check(text.p, &other, &f, &r), 1, "a changed digest");
	T_OK(has(&f, "out/app-1a2b.js", "SHA-256 differs"),
	     "names the file and what differs");
	T_OK(f.n && strstr(f.v[0].msg, "0102030000") &&
		     strstr(f.v[0].msg, "0300000000"),
	     "both digests shown: %s", f.n ? f.v[0].msg : "");
	lock_free(&other);

	/* A file added to the lock, one removed. */
	lock_init(&other);
	lock_add(&other, "out/app-1a2b.js", d1);
	lock_add(&other, "out/say \"hi\"\n.txt", d2);
	lock_add(&other, "out/new.js", d1);
	lock_sort(&other);
	T_INT(check(text.p, &other, &f, &r), 2, "one added, one removed");
	T_OK(has(&f, "out/new.js", "in the lock, not a subject"), "added");
	T_OK(has(&f, "out/caf\xc3\xa9.css", "a subject of the provenance"),
	     "removed");
	lock_free(&other);

	/* A subject's digest edited in the statement. */
	edited = strdup(text.p);
	{
		char *p = strstr(edited, "0102030000");

		T_OK(p != NULL, "digest found");
		if (p)
			p[0] = '9';
	}
	T_INT(check(edited, &l, &f, &r), 1, "an edited statement");
	T_OK(has(&f, "out/app-1a2b.js", "SHA-256 differs"), "names the file");
	free(edited);

	/* Not a statement cleanroom can check. */
	T_INT(check("{\"_type\": 1", &l, &f, &r), 1, "not JSON");
	T_OK(has(&f, "p.json", "not JSON"), "says so");
	T_INT(check("{\"_type\": \"https://in-toto.io/Statement/v0.1\"}", &l,
		    &f, &r),
	      1, "another statement type");
	T_OK(has(&f, "p.json", "_type"), "names _type");
	edited = strdup(text.p);
	{
		char *p = strstr(edited, "\"sha256\":\"0102");

		if (p)
			memcpy(p + 10, "zz", 2);
	}
	T_INT(check(edited, &l, &f, &r), 1, "a digest that is not hex");
	T_OK(has(&f, "p.json", "64 hex"), "says so");
	T_OK(!r.checked, "not compared");
	free(edited);
	findings_free(&f);
	buf_free(&text);
	lock_free(&l);
}

TAP_SUITE(provenance_missing)
{
	struct lock l;
	struct findings f = {0};
	struct provenance_result r;
	struct err e = {0};

	fill_lock(&l);
	T_OK(provenance_check("/nonexistent/p.json", "p.json", &l, 0, &f, &r,
			      &e) == 0 &&
		     f.n == 0 && !r.existed,
	     "missing, not required: nothing");
	T_OK(provenance_check("/nonexistent/p.json", "p.json", &l, 1, &f, &r,
			      &e) == 0 &&
		     f.n == 1,
	     "missing, required: a finding");
	findings_free(&f);
	lock_free(&l);
}

TAP_SUITE(provenance_deps)
{
	char top[] = "/tmp/cleanroom-prov-XXXXXX", cmd[512];
	struct provenance_deps d = {0};
	struct buf skipped = {0};
	struct err e = {0};
	int fd;

	if (mkdtemp(top) == NULL)
		abort();
	snprintf(cmd, sizeof cmd,
		 "cd %s && printf abc > Gemfile.lock && printf abc > "
		 "requirements-dev.txt && : > requirements.txt && : > "
		 "notes.txt && ln -s Gemfile.lock yarn.lock",
		 top);
	T_OK(system(cmd) == 0, "set up");
	fd = open(top, O_RDONLY | O_DIRECTORY);
	T_OK(provenance_deps_read(fd, &d, &skipped, &e) == 0, "reads: %s",
	     e.msg);
	T_INT(d.n, 3, "three lock files");
	T_STR(d.n > 0 ? d.v[0].name : "", "Gemfile.lock", "sorted: first");
	T_STR(d.n > 2 ? d.v[2].name : "", "requirements.txt", "sorted: last");
	if (d.n > 0) {
		static const unsigned char abc[32] = {
			0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea,
			0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
			0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c,
			0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};

		T_OK(memcmp(d.v[0].sha256, abc, 32) == 0,
		     "SHA-256 of the bytes");
	}
	T_STR(skipped.p ? skipped.p : "", "yarn.lock\n",
	      "a link is left out and named");
	provenance_deps_free(&d);
	buf_free(&skipped);
	close(fd);
	snprintf(cmd, sizeof cmd, "rm -rf %s", top);
	(void)!system(cmd);
}

TAP_SUITE(json_escape)
{
	struct buf b = {0};

	json_string(&b, "a\"b\\c\n\t\x01\x7f\xe9\xc3\xa9", 12);
	T_STR(b.p, "\"a\\\"b\\\\c\\n\\t\\u0001\\u007f\\u00e9\xc3\xa9\"",
	      "escapes");
	buf_reset(&b);
	json_roundtrip(&b, "caf\xe9", 4);
	T_STR(b.p, "caf\xc3\xa9", "a Latin-1 byte comes back as UTF-8");
	buf_free(&b);
}

static int parse(const char *text, struct spec *s, struct err *e)
{
	spec_init(s);
	return spec_parse("cleanroom.yml", text, strlen(text), s, e);
}

TAP_SUITE(provenance_spec_key)
{
	struct spec s;
	struct err e = {0};

	T_OK(parse("outputs:\n  provenance: false\n", &s, &e) == 0 &&
		     s.outputs.provenance.off == 1,
	     "false: off");
	spec_free(&s);
	T_OK(parse("outputs:\n  provenance: \"false\"\n", &s, &e) == 0 &&
		     s.outputs.provenance.off == 0 &&
		     strcmp(s.outputs.provenance.path.s, "false") == 0,
	     "a quoted false is a file name");
	spec_free(&s);
	T_OK(parse("outputs:\n  provenance: rel/p.json\n", &s, &e) == 0 &&
		     s.outputs.provenance.off == 0 &&
		     strcmp(s.outputs.provenance.path.s, "rel/p.json") == 0,
	     "a path");
	spec_free(&s);
	T_OK(parse("outputs:\n  provenance: true\n", &s, &e) < 0 &&
		     e.line == 2 && strstr(e.msg, "true is not a path"),
	     "true refused at 2: %s", e.msg);
	spec_free(&s);
	T_OK(parse("outputs:\n  provenance: [a]\n", &s, &e) < 0 &&
		     strstr(e.msg, "a path or false"),
	     "a list refused: %s", e.msg);
	spec_free(&s);
	T_OK(parse("outputs:\n  lock: x.lock\n", &s, &e) == 0 &&
		     s.outputs.provenance.off == -1,
	     "absent: unset");
	spec_free(&s);
}
