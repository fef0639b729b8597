/*
 * Manifest checks (src/manifest*.c). The real output trees under
 * tests/fixtures/manifests (made by scripts/make-manifest-fixtures.sh from
 * real Django, Sprockets, Vite and webpack builds, plus Sprockets 4 and
 * Propshaft trees written to their formats) must verify clean; copies of
 * them tampered with in a temporary directory must fail with exactly the
 * expected findings. The JSON reader and the digests are tested on their
 * own first. Run from the repository root, as make check does.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nettle/md4.h>

#include "io.h"
#include "manifest.h"
#include "manifest_formats.h"
#include "manifest_hash.h"
#include "manifest_json.h"
#include "tap.h"
#include "hex.h"

#define FIXTURES "tests/fixtures/manifests"

/* ---- Helpers ---- */

/* A walked tree: what the caller of manifest_check builds from tree.h. */
struct view {
	char *root;
	struct manifest_file *v;
	char **rel;
	unsigned char (*sha)[32];
	size_t n, cap;
};

static void walk(struct view *w, const char *rel)
{
	char path[4096];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof path, "%s%s%s", w->root, rel[0] ? "/" : "", rel);
	d = opendir(path);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char sub[4096], full[8200];
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof sub, "%s%s%s", rel, rel[0] ? "/" : "",
			 de->d_name);
		snprintf(full, sizeof full, "%s/%s", w->root, sub);
		if (lstat(full, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			walk(w, sub);
			continue;
		}
		if (w->n == w->cap) {
			w->cap = w->cap ? w->cap * 2 : 64;
			w->v = realloc(w->v, w->cap * sizeof *w->v);
			w->rel = realloc(w->rel, w->cap * sizeof *w->rel);
			if (w->v == NULL || w->rel == NULL)
				abort();
		}
		w->rel[w->n] = strdup(sub);
		w->v[w->n].size = (uint64_t)st.st_size;
		w->n++;
	}
	closedir(d);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Walks root; hashed: give the view's SHA-256 as the walker would. */
static void view_load(struct view *w, const char *root, int hashed)
{
	struct stat st;

	memset(w, 0, sizeof *w);
	w->root = strdup(root);
	walk(w, "");
	qsort(w->rel, w->n, sizeof *w->rel, cmp_str);
	w->sha = calloc(w->n ? w->n : 1, sizeof *w->sha);
	for (size_t i = 0; i < w->n; i++) {
		char full[4096];
		struct mf_digests d;

		snprintf(full, sizeof full, "%s/%s", root, w->rel[i]);
		if (lstat(full, &st) < 0)
			abort();
		w->v[i] = (struct manifest_file){w->rel[i],
						 (uint64_t)st.st_size, NULL, 0};
		memset(&d, 0, sizeof d);
		d.want = MF_SHA256;
		if (hashed && mf_digest_file(full, &d) == 0) {
			memcpy(w->sha[i], d.sha256, 32);
			w->v[i].sha256 = w->sha[i];
		}
	}
}

static void view_free(struct view *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->rel[i]);
	free(w->rel);
	free(w->v);
	free(w->sha);
	free(w->root);
	memset(w, 0, sizeof *w);
}

/* The result of one check, findings rendered one per line as
 * "LEVEL check path: msg" with the root shown as ROOT. */
struct run {
	int rc;
	struct err e;
	struct findings f;
	struct manifest_result r;
	char *text;
	struct view w;
};

static char *render(const struct findings *f, const char *root,
		    enum finding_level min)
{
	static const char *const lv[] = {"I", "W", "E"};
	struct buf line = {0}, out = {0};
	size_t rn = strlen(root);
	char *text;

	for (size_t i = 0; i < f->n; i++) {
		const struct finding *x = &f->v[i];

		if (x->level < min)
			continue;
		buf_reset(&line);
		buf_printf(&line, "%s %s %s: %s\n", lv[x->level], x->check,
			   x->path ? x->path : "-", x->msg);
		/* The temporary root, wherever it appears, is ROOT. */
		for (const char *p = line.p; *p;) {
			if (strncmp(p, root, rn) == 0) {
				buf_adds(&out, "ROOT");
				p += rn;
			} else {
				buf_addc(&out, *p++);
			}
		}
	}
	buf_free(&line);
	text = strdup(out.p ? out.p : "");
	buf_free(&out);
	return text;
}

static void run_check(struct run *run, enum manifest_kind kind,
		      const char *root, int hashed, enum finding_level min)
{
	memset(run, 0, sizeof *run);
	view_load(&run->w, root, hashed);
	run->rc = manifest_check(kind, root, run->w.v, run->w.n, &run->f,
				 &run->r, &run->e);
	run->text = render(&run->f, root, min);
}

static void run_free(struct run *run)
{
	findings_free(&run->f);
	manifest_result_free(&run->r);
	free(run->text);
	view_free(&run->w);
}

static void write_file(const char *dir, const char *rel, const void *data,
		       size_t len)
{
	char path[4096];
	FILE *fp;

	snprintf(path, sizeof path, "%s/%s", dir, rel);
	fp = fopen(path, "wb");
	if (fp == NULL || fwrite(data, 1, len, fp) != len || fclose(fp) != 0)
		abort();
}

static void write_str(const char *dir, const char *rel, const char *s)
{
	write_file(dir, rel, s, strlen(s));
}

static char *read_all(const char *dir, const char *rel, size_t *len)
{
	char path[4096];
	struct buf b = {0};
	char *out;

	snprintf(path, sizeof path, "%s/%s", dir, rel);
	if (io_read_file(path, 1 << 26, &b) < 0)
		abort();
	out = malloc(b.len + 1);
	memcpy(out, b.p ? b.p : "", b.len);
	out[b.len] = '\0';
	*len = b.len;
	buf_free(&b);
	return out;
}

/* Replaces the first occurrence of from by to in dir/rel. */
static void edit(const char *dir, const char *rel, const char *from,
		 const char *to)
{
	size_t len, fn = strlen(from), tn = strlen(to);
	char *s = read_all(dir, rel, &len), *at = strstr(s, from), *out;

	if (at == NULL) {
		tap_diag("edit: \"%s\" not in %s", from, rel);
		abort();
	}
	out = malloc(len - fn + tn + 1);
	memcpy(out, s, (size_t)(at - s));
	memcpy(out + (at - s), to, tn);
	memcpy(out + (at - s) + tn, at + fn, len - (size_t)(at - s) - fn);
	write_file(dir, rel, out, len - fn + tn);
	free(s);
	free(out);
}

/* Flips the low bit of the last byte: same size, other content. */
static void flip_last(const char *dir, const char *rel)
{
	size_t len;
	char *s = read_all(dir, rel, &len);

	s[len - 1] ^= 1;
	write_file(dir, rel, s, len);
	free(s);
}

static void append_byte(const char *dir, const char *rel)
{
	size_t len;
	char *s = read_all(dir, rel, &len);

	s = realloc(s, len + 1);
	s[len] = '\n';
	write_file(dir, rel, s, len + 1);
	free(s);
}

static void remove_file(const char *dir, const char *rel)
{
	char path[4096];

	snprintf(path, sizeof path, "%s/%s", dir, rel);
	if (unlink(path) < 0)
		abort();
}

/* Copies the fixture tree src into a new temporary directory. */
static void copy_tree(const char *src, const char *dst)
{
	struct dirent *de;
	DIR *d = opendir(src);

	if (d == NULL) {
		tap_diag("cannot open %s", src);
		abort();
	}
	while ((de = readdir(d)) != NULL) {
		char s[4096], t[4096];
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(s, sizeof s, "%s/%s", src, de->d_name);
		snprintf(t, sizeof t, "%s/%s", dst, de->d_name);
		if (lstat(s, &st) < 0)
			abort();
		if (S_ISDIR(st.st_mode)) {
			if (mkdir(t, 0755) < 0)
				abort();
			copy_tree(s, t);
		} else {
			size_t len;
			char *data = read_all(src, de->d_name, &len);

			write_file(dst, de->d_name, data, len);
			free(data);
		}
	}
	closedir(d);
}

static char *tmp_copy(const char *fixture)
{
	char *dir = strdup("/tmp/cleanroom-manifest-XXXXXX");
	char src[4096];

	if (mkdtemp(dir) == NULL)
		abort();
	if (fixture != NULL) {
		snprintf(src, sizeof src, "%s/%s", FIXTURES, fixture);
		copy_tree(src, dir);
	}
	return dir;
}

static void rm_tree(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char p[4096];
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			rm_tree(p);
		else
			unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

/* Removes a temporary copy and frees its name. */
static void cleanup(char *dir)
{
	rm_tree(dir);
	free(dir);
}

static int have_fixtures(void)
{
	struct stat st;

	if (stat(FIXTURES "/django/staticfiles.json", &st) == 0)
		return 1;
	T_OK(0, "fixtures present (run from the repository root)");
	return 0;
}

/* Checks a tampered copy: kind, what to expect (findings at WARN and
 * above, rendered), and the return code. */
#define EXPECT(run, want, what)                                                \
	do {                                                                   \
		T_INT((run)->rc, 0, what ": returns 0");                       \
		T_STR((run)->text, want, what ": findings");                   \
	} while (0)

/* ---- JSON ---- */

static int parse(const char *text, struct mf_json *j, char *msg, size_t n)
{
	unsigned line, col;

	return mf_json_parse(text, strlen(text), j, msg, n, &line, &col);
}

static void json_rejects(const char *text, const char *want_msg)
{
	struct mf_json j;
	char msg[128], shown[256];
	int rc = parse(text, &j, msg, sizeof msg);
	size_t i;

	/* One line of TAP: newlines shown as \n. */
	for (i = 0; *text && i < sizeof shown - 3; text++)
		if (*text == '\n') {
			shown[i++] = '\\';
			shown[i++] = 'n';
		} else {
			shown[i++] = *text;
		}
	shown[i] = '\0';
	T_OK(rc < 0 && errno == EINVAL, "JSON rejects %s", shown);
	if (want_msg != NULL && rc < 0)
		T_STR(msg, want_msg, "  its message");
	if (rc == 0)
		mf_json_free(&j);
}

TAP_SUITE(manifest_json)
{
	struct mf_json j;
	char msg[128];
	unsigned line, col;
	const struct mf_jnode *n;
	struct mf_keys keys;

	T_INT(parse("{\"a\":1,\"b\":\"x\\/y\",\"c\":[true,false,null,-1.5e3],"
		    "\"d\":{}}",
		    &j, msg, sizeof msg),
	      0, "compact JSON parses");
	T_INT(j.v[0].type, MJ_OBJ, "the root is an object");
	T_INT(j.v[0].n, 4, "four members");
	T_STR(mf_json_getstr(&j, &j.v[0], "b", NULL), "x/y", "\\/ is /");
	n = mf_json_get(&j, &j.v[0], "c");
	T_OK(n && n->type == MJ_ARR && n->n == 4, "c is a list of four");
	T_INT(mf_json_first(&j, n)->type, MJ_BOOL, "true is a boolean");
	T_INT(mf_json_next(&j, mf_json_first(&j, n))->type, MJ_BOOL,
	      "false too");
	n = mf_json_get(&j, &j.v[0], "a");
	T_OK(n && n->type == MJ_NUM && strcmp(mf_json_text(&j, n), "1") == 0,
	     "1 is a number");
	mf_json_free(&j);

	T_INT(parse("{\"e\":\"\\ud83d\\ude00 \\u00e9\\u0000z\"}", &j, msg,
		    sizeof msg),
	      0, "surrogate pairs parse");
	n = mf_json_get(&j, &j.v[0], "e");
	T_MEM(mf_json_text(&j, n), n->len, "\xf0\x9f\x98\x80 \xc3\xa9\0z", 9,
	      "a pair becomes the UTF-8 of U+1F600; \\u0000 is kept");
	mf_json_free(&j);

	T_INT(parse("\xef\xbb\xbf{\n\t\"k\" :\t[ 1 , 2 ]\r\n}\n", &j, msg,
		    sizeof msg),
	      0, "BOM, tabs, CRLF and spaces around tokens");
	mf_json_free(&j);

	T_INT(parse("{\"k\":1,\"k\":2,\"a\":0}", &j, msg, sizeof msg), 0,
	      "duplicate keys parse");
	T_STR(mf_json_text(&j, mf_json_get(&j, &j.v[0], "k")), "2",
	      "mf_json_get takes the last duplicate");
	T_INT(mf_keys_init(&keys, &j, &j.v[0]), 0, "keys sort");
	T_STR(mf_json_text(&j, mf_keys_find(&keys, "k", 1)), "2",
	      "mf_keys_find takes the last duplicate");
	T_OK(mf_keys_find(&keys, "a", 1) != NULL, "mf_keys_find a");
	T_OK(mf_keys_find(&keys, "b", 1) == NULL, "mf_keys_find b: none");
	mf_keys_free(&keys);
	mf_json_free(&j);

	json_rejects("{\"a\":\"\\ud83d\"}",
		     "unpaired UTF-16 surrogate \\ud83d");
	json_rejects("{\"a\":\"\\ude00\\ud83d\"}", NULL);
	json_rejects("{\"a\":1} # comment",
		     "text after the end of the document");
	json_rejects("{\"a\":1 # comment\n}", "unexpected '#'");
	json_rejects("{\"a\":1,}", "trailing comma");
	json_rejects("[1,]", "trailing comma");
	json_rejects("{'a':1}", "unexpected '''");
	json_rejects("{\"a\":&x 1}", "unexpected '&'");
	json_rejects("{\"a\":*x}", "unexpected '*'");
	json_rejects("{\"a\":!!str 1}", "unexpected '!'");
	json_rejects("{\"a\":word}", "not a JSON value: 'word'");
	json_rejects("{\"a\":01}", "not a JSON value: '01'");
	json_rejects("{\"a\":1 2}", "not a JSON value: '1 2'");
	json_rejects("{\"a\"}", "a key without a value");
	json_rejects("{1: 2}", "an object key must be a string");
	json_rejects("{\"a\": 1:2}", "not a JSON value: '1:2'");
	json_rejects("{\"a\":1}{\"b\":2}",
		     "text after the end of the document");
	json_rejects("[\"a\":1]", "unexpected ':'");
	json_rejects("{\"a\":\"x\\qy\"}", "invalid escape in a string");
	json_rejects("{\"a\":\"x\ty\"}", "control character 0x09 in a string");
	json_rejects("{\"a\":\"x", "unterminated string");
	json_rejects("{\"a\":1", "unexpected end of the document");
	json_rejects("", "empty document");
	json_rejects("   \n", "empty document");
	json_rejects("a: 1", "not a JSON object or array");
	json_rejects("- 1", "not a JSON object or array");
	json_rejects("{\"a\":\"\\u12\"}", "\\u needs four hex digits");
	{
		char deep[200];

		memset(deep, '[', 65);
		memset(deep + 65, ']', 65);
		deep[130] = '\0';
		json_rejects(deep, "nested deeper than 64 levels");
		memset(deep, '[', 64);
		memset(deep + 64, ']', 64);
		deep[128] = '\0';
		T_INT(parse(deep, &j, msg, sizeof msg), 0, "64 levels parse");
		mf_json_free(&j);
	}
	{
		/* 2^20 values parse (with the root); one more does not. */
		size_t nv = ((size_t)1 << 20) - 1, len = 2 * nv + 1;
		char *big = malloc(len + 3);

		big[0] = '[';
		for (size_t i = 0; i < nv; i++)
			memcpy(big + 1 + 2 * i, "0,", 2);
		big[len - 1] = ']';
		T_INT(mf_json_parse(big, len, &j, msg, sizeof msg, &line, &col),
		      0, "2^20 values parse");
		mf_json_free(&j);
		memcpy(big + len - 1, ",0]", 3);
		T_INT(mf_json_parse(big, len + 2, &j, msg, sizeof msg, &line,
				    &col),
		      -1, "2^20 + 1 values do not");
		T_STR(msg, "more than 1048576 values", "  its message");
		free(big);
	}
	T_INT(mf_json_parse("{\n\"a\": 1,\n\"b\" x}", 16, &j, msg, sizeof msg,
			    &line, &col),
	      -1, "a bare word after a key");
	T_INT(line, 3, "  its line");
	T_INT(col, 5, "  its column");
	/* Bytes that are not UTF-8 inside a string: where they are (libyaml
	 * alone said line 1, column 1), in bytes, after a two-byte é. */
	{
		static const char bad[] = "{\n  \"m\xc3\xa9.js\": "
					  "{\"file\": \"x\xff.js\"}\n}\n";
		static const char cut[] = "{\"a\": \"\xe2\x82\"}";

		T_INT(mf_json_parse(bad, sizeof bad - 1, &j, msg, sizeof msg,
				    &line, &col),
		      -1, "a byte 0xff in a string");
		T_STR(msg, "invalid UTF-8 in a string (byte 0xff)",
		      "  its message");
		T_INT(line, 2, "  its line");
		T_INT(col, 24, "  its byte column");
		T_INT(mf_json_parse(cut, sizeof cut - 1, &j, msg, sizeof msg,
				    &line, &col),
		      -1, "a sequence cut short");
		T_OK(line == 1 && col == 8, "  at its first byte (%u:%u)", line,
		     col);
		json_rejects("{\"a\": \"\xc0\xaf\"}",
			     "invalid UTF-8 in a string (byte 0xc0)");
		json_rejects("{\"a\": \"\xed\xa0\x80\"}",
			     "invalid UTF-8 in a string (byte 0xed)");
		T_INT(parse("{\"\xc3\xa9\xf0\x9f\x98\x80\": 1}", &j, msg,
			    sizeof msg),
		      0, "valid UTF-8 in a key parses");
		mf_json_free(&j);
	}
}

/* ---- Digests ---- */

static char *tmp_file(const void *data, size_t len)
{
	char *path = strdup("/tmp/cleanroom-mfhash-XXXXXX");
	int fd = mkstemp(path);

	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		abort();
	close(fd);
	return path;
}

static void xxh_case(const char *s, const char *want)
{
	struct mf_xxh64 st;
	unsigned char be[8];
	uint64_t h;
	char hex[17];

	mf_xxh64_init(&st);
	mf_xxh64_update(&st, s, strlen(s));
	h = mf_xxh64_digest(&st);
	for (int i = 7; i >= 0; i--, h >>= 8)
		be[i] = (unsigned char)h;
	hex_encode(hex, be, 8);
	T_STR(hex, want, s[0] ? s : "(empty)");
}

TAP_SUITE(manifest_hash)
{
	static const char big42[] =
		"0123456789abcdef0123456789abcdef0123456789";
	struct mf_digests d;
	struct mf_xxh64 a, b;
	char hex[129], *path, *big;
	size_t bign = 200000;

	/* Expected values printed by webpack 5.113's own createHash. */
	xxh_case("", "ef46db3751d8e999");
	xxh_case("a", "d24ec4f1a98c6e5b");
	xxh_case("abc", "44bc2cf5ad770999");
	xxh_case(big42, "a76190c3acf08a1c");
	mf_xxh64_init(&a);
	mf_xxh64_init(&b);
	mf_xxh64_update(&a, big42, 42);
	for (size_t i = 0; i < 42; i += 5)
		mf_xxh64_update(&b, big42 + i, i + 5 <= 42 ? 5 : 42 - i);
	T_OK(mf_xxh64_digest(&a) == mf_xxh64_digest(&b),
	     "XXH64 in pieces equals XXH64 at once");

	path = tmp_file("abc", 3);
	memset(&d, 0, sizeof d);
	d.want = MF_MD4 | MF_MD5 | MF_SHA1 | MF_SHA256 | MF_XXH64;
	d.suffix = "1";
	d.suffixlen = 1;
	T_INT(mf_digest_file(path, &d), 0, "digests of \"abc\"");
	hex_encode(hex, d.md4, 16);
	T_STR(hex, "a448017aaf21d8525fc10ae87aa6729d", "MD4 (as webpack's)");
	hex_encode(hex, d.md5, 16);
	T_STR(hex, "900150983cd24fb0d6963f7d28e17f72", "MD5");
	hex_encode(hex, d.sha1, 20);
	T_STR(hex, "a9993e364706816aba3e25717850c26c9cd0d89d", "SHA-1");
	hex_encode(hex, d.sha1_suffix, 20);
	T_STR(hex, "9ee036287b4cfbcfa3b5bbfcf92d46eb5e75df96",
	      "SHA-1 of \"abc1\" (Propshaft's version suffix)");
	hex_encode(hex, d.sha256, 32);
	T_STR(hex,
	      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a"
	      "d",
	      "SHA-256");
	hex_encode(hex, d.xxh64, 8);
	T_STR(hex, "44bc2cf5ad770999", "XXH64 of the file");
	T_INT(d.size, 3, "size");
	unlink(path);
	free(path);

	/* Stripping a needle that straddles the 64 KiB chunk boundary. */
	big = malloc(bign);
	for (size_t i = 0; i < bign; i++)
		big[i] = (char)('a' + i % 23);
	memcpy(big + 10, "0123456789abcdef0123", 20);
	memcpy(big + 65536 - 7, "0123456789abcdef0123", 20);
	memcpy(big + bign - 20, "0123456789abcdef0123", 20);
	path = tmp_file(big, bign);
	memset(&d, 0, sizeof d);
	d.want = MF_MD4 | MF_XXH64;
	d.strip = "0123456789abcdef0123";
	d.striplen = 20;
	T_INT(mf_digest_file(path, &d), 0, "digests with a needle");
	{
		struct md4_ctx ctx;
		struct mf_xxh64 x;
		unsigned char want[16], xb[8];
		uint64_t h;
		size_t k = 0;
		char *s = malloc(bign);

		for (size_t i = 0; i < bign;) {
			if (i + 20 <= bign &&
			    memcmp(big + i, "0123456789abcdef0123", 20) == 0) {
				i += 20;
				continue;
			}
			s[k++] = big[i++];
		}
		T_INT(k, bign - 60, "three occurrences removed");
		md4_init(&ctx);
		md4_update(&ctx, k, (const uint8_t *)s);
		md4_digest(&ctx, 16, want);
		T_MEM(d.md4_strip, 16, want, 16,
		      "MD4 without the needle, across chunks");
		mf_xxh64_init(&x);
		mf_xxh64_update(&x, s, k);
		h = mf_xxh64_digest(&x);
		for (int i = 7; i >= 0; i--, h >>= 8)
			xb[i] = (unsigned char)h;
		T_MEM(d.xxh64_strip, 8, xb, 8, "XXH64 without the needle");
		md4_init(&ctx);
		md4_update(&ctx, bign, (const uint8_t *)big);
		md4_digest(&ctx, 16, want);
		T_MEM(d.md4, 16, want, 16, "MD4 of all bytes");
		free(s);
	}
	unlink(path);
	free(path);
	free(big);

	errno = 0;
	memset(&d, 0, sizeof d);
	d.want = MF_SHA256;
	T_INT(mf_digest_file("/nonexistent/x", &d), -1, "missing file");
	T_INT(errno, ENOENT, "  ENOENT");
	T_INT(mf_digest_file("/tmp", &d), -1, "a directory");
	T_INT(errno, EISDIR, "  EISDIR");

	/* Subresource integrity. */
	path = tmp_file("abc", 3);
	memset(&d, 0, sizeof d);
	d.want = MF_SHA256 | MF_SHA384 | MF_SHA512;
	T_INT(mf_digest_file(path, &d), 0, "SHA-2 digests");
	unlink(path);
	free(path);
	T_INT(mf_sri_algorithms("sha256-x sha384-y md5-z"),
	      MF_SHA256 | MF_SHA384, "algorithms of an integrity value");
	T_INT(mf_sri_algorithms(""), 0, "no algorithm in \"\"");
	T_INT(mf_sri_check(
		      "sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=",
		      &d),
	      MF_SRI_MATCH, "sha256 matches");
	T_INT(mf_sri_check("sha256-ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0",
			   &d),
	      MF_SRI_MATCH, "base64url without padding matches");
	T_INT(mf_sri_check(
		      "sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=?"
		      "ct=x sha384-ywB1P0WjXou1oD1pmsZQBycsMqsO3tFjGotgWkP/"
		      "W+2AhgcroefMI1i67KE0yCWn",
		      &d),
	      MF_SRI_MATCH, "two tokens and an option match");
	T_INT(mf_sri_check(
		      "sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0= "
		      "sha384-ywB1P0WjXou1oD1pmsZQBycsMqsO3tFjGotgWkP/"
		      "W+2AhgcroefMI1i67KE0yCWo",
		      &d),
	      MF_SRI_MISMATCH, "one wrong token of two is a mismatch");
	T_INT(mf_sri_check("sha256-AAAA", &d), MF_SRI_BAD, "too short");
	T_INT(mf_sri_check("sha256-!!!!", &d), MF_SRI_BAD, "not base64");
	T_INT(mf_sri_check("md5-kAFQmDzST7DWlj99KOF/cg==", &d), MF_SRI_NONE,
	      "md5 is not checked");
	mf_sri_format(hex, "sha256", d.sha256, 32);
	T_STR(hex, "sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=",
	      "mf_sri_format");
}

/* ---- The real builds verify clean ---- */

struct real_case {
	const char *dir;
	enum manifest_kind kind;
	const char *manifest; /* relative to the root */
	size_t entries, recomputed, unverifiable;
	const char *public_path;
	const char *info; /* the INFO findings, rendered */
};

static const struct real_case real_cases[] = {
	{"django", MF_DJANGO, "staticfiles.json", 4, 4, 0, NULL, ""},
	{"sprockets", MF_SPROCKETS,
	 ".sprockets-manifest-5f1d0c4e6b2a48f39e7d1c2b3a4f5e6d.json", 4, 4, 0,
	 NULL, ""},
	{"sprockets4", MF_SPROCKETS,
	 ".sprockets-manifest-0123456789abcdef0123456789abcdef.json", 4, 4, 0,
	 NULL, ""},
	{"propshaft", MF_PROPSHAFT, ".manifest.json", 3, 3, 0, NULL, ""},
	{"propshaft0", MF_PROPSHAFT, ".manifest.json", 3, 3, 0, NULL, ""},
	{"vite", MF_VITE, ".vite/manifest.json", 4, 0, 5, NULL,
	 "I fingerprint ROOT/.vite/manifest.json: fingerprints of Vite files "
	 "cannot be recomputed from the output bytes: Rolldown's 8-character "
	 "hashes cover a chunk with its dependencies and are not a plain "
	 "digest of the bytes written (5 names not recomputed)\n"},
	{"webpack", MF_WEBPACK, "manifest.json", 5, 5, 0, "/static/",
	 "I manifest ROOT/manifest.json: stripped the publicPath \"/static/\" "
	 "from every value to find the files\n"},
	{"webpack-assets", MF_WEBPACK, "assets-manifest.json", 6, 5, 0, "", ""},
	{"webpack-xxhash", MF_WEBPACK, "manifest.json", 5, 5, 0, "/static/",
	 "I manifest ROOT/manifest.json: stripped the publicPath \"/static/\" "
	 "from every value to find the files\n"},
};

TAP_SUITE(manifest_real)
{
	if (!have_fixtures())
		return;
	for (size_t i = 0; i < sizeof real_cases / sizeof real_cases[0]; i++) {
		const struct real_case *k = &real_cases[i];
		char root[256], want_path[512];

		snprintf(root, sizeof root, "%s/%s", FIXTURES, k->dir);
		snprintf(want_path, sizeof want_path, "%s/%s", root,
			 k->manifest);
		for (int pass = 0; pass < 3; pass++) {
			/* Named, detected, and named without the view's
			 * SHA-256 (then computed here). */
			enum manifest_kind kind = pass == 1 ? MF_AUTO : k->kind;
			struct run run;

			tap_diag("%s, %s", k->dir,
				 pass == 0   ? "named"
				 : pass == 1 ? "detected"
					     : "unhashed view");
			run_check(&run, kind, root, pass != 2, FIND_INFO);
			T_INT(run.rc, 0, "returns 0");
			T_STR(run.text, k->info,
			      "no findings but the INFO ones");
			T_INT(run.r.n, 1, "one manifest");
			if (run.r.n == 1) {
				T_INT(run.r.v[0].kind, k->kind, "its kind");
				T_STR(run.r.v[0].path, want_path, "its path");
				T_INT(run.r.v[0].entries, k->entries,
				      "its entries");
				T_STR(run.r.v[0].public_path, k->public_path,
				      "its public path");
			}
			T_INT(run.r.fp_recomputed, k->recomputed,
			      "fingerprints recomputed");
			T_INT(run.r.fp_mismatched, 0, "none mismatched");
			T_INT(run.r.fp_unverifiable, k->unverifiable,
			      "not recomputable");
			T_INT(run.r.unmentioned, 0, "every file mentioned");
			run_free(&run);
		}
	}
}

TAP_SUITE(manifest_mentions)
{
	struct run run;
	size_t gz = 0, entries = 0, manifests = 0;

	if (!have_fixtures())
		return;
	/* Sprockets writes .gz beside CSS and JS; they are companions. */
	run_check(&run, MF_SPROCKETS, FIXTURES "/sprockets", 1, FIND_INFO);
	T_OK(run.r.mentioned != NULL, "mentioned flags");
	for (size_t i = 0; run.r.mentioned && i < run.w.n; i++) {
		gz += run.r.mentioned[i] == MF_COMPANION;
		entries += run.r.mentioned[i] == MF_ENTRY;
		manifests += run.r.mentioned[i] == MF_MANIFEST;
	}
	T_INT(run.r.nfiles, run.w.n, "one flag per file");
	T_INT(gz, 2, "two .gz companions");
	T_INT(entries, 4, "four entries");
	T_INT(manifests, 1, "one manifest");
	run_free(&run);

	/* Vite: index.html is an HTML entry's output. */
	run_check(&run, MF_VITE, FIXTURES "/vite", 1, FIND_INFO);
	for (size_t i = 0; i < run.w.n; i++)
		if (strcmp(run.w.v[i].rel, "index.html") == 0)
			T_INT(run.r.mentioned[i], MF_ENTRY,
			      "index.html is mentioned");
	run_free(&run);

	/* Nothing to do. */
	run_check(&run, MF_NONE, FIXTURES "/vite", 1, FIND_INFO);
	T_INT(run.rc, 0, "MF_NONE returns 0");
	T_INT(run.f.n, 0, "MF_NONE finds nothing");
	T_OK(run.r.mentioned == NULL && run.r.n == 0, "MF_NONE checks nothing");
	run_free(&run);
}

/* ---- Tampered copies ---- */

TAP_SUITE(manifest_tamper_django)
{
	const char *css = "css/app.ee9d412e4829.css";
	struct run run;
	char *dir;

	if (!have_fixtures())
		return;

	dir = tmp_copy("django");
	remove_file(dir, css);
	run_check(&run, MF_DJANGO, dir, 1, FIND_WARN);
	EXPECT(&run,
	       "E manifest ROOT/css/app.ee9d412e4829.css: missing: "
	       "ROOT/staticfiles.json lists it for \"css/app.css\"\n",
	       "django: a file deleted");
	T_INT(run.r.fp_recomputed, 3, "django: the other three recomputed");
	run_free(&run);
	cleanup(dir);

	dir = tmp_copy("django");
	append_byte(dir, "img/logo.3d28d9e62864.png");
	run_check(&run, MF_DJANGO, dir, 1, FIND_WARN);
	EXPECT(&run,
	       "E fingerprint ROOT/img/logo.3d28d9e62864.png: the name carries "
	       "fingerprint 3d28d9e62864, but MD5 of the bytes begins "
	       "9f95feb34823: the file changed after collectstatic named it\n",
	       "django: a byte appended");
	T_INT(run.r.fp_mismatched, 1, "django: one mismatch");
	run_free(&run);
	cleanup(dir);

	dir = tmp_copy("django");
	flip_last(dir, css);
	run_check(&run, MF_DJANGO, dir, 0, FIND_WARN);
	EXPECT(&run,
	       "E fingerprint ROOT/css/app.ee9d412e4829.css: the name carries "
	       "fingerprint ee9d412e4829, but MD5 of the bytes begins "
	       "85196f864ec4: the file changed after collectstatic named it\n",
	       "django: one byte changed");
	run_free(&run);
	cleanup(dir);

	dir = tmp_copy("django");
	edit(dir, "staticfiles.json", "\"lazy.414b8e03ccf7.js\"",
	     "\"../lazy.414b8e03ccf7.js\"");
	run_check(&run, MF_DJANGO, dir, 1, FIND_WARN);
	EXPECT(&run,
	       "E manifest ROOT/staticfiles.json: entry \"lazy.js\" names "
	       "\"../lazy.414b8e03ccf7.js\", outside the output root\n"
	       "W manifest ROOT/lazy.414b8e03ccf7.js: no manifest mentions "
	       "this file\n",
	       "django: an entry outside the root");
	run_free(&run);
	cleanup(dir);

	dir = tmp_copy("django");
	edit(dir, "staticfiles.json", "\"version\": \"1.0\"}",
	     "\"version\": \"1.0\"");
	run_check(&run, MF_DJANGO, dir, 1, FIND_WARN);
	EXPECT(&run,
	       "E manifest ROOT/staticfiles.json: invalid JSON at line 1, "
	       "column 205: unexpected end of the document\n",
	       "django: invalid JSON");
	T_INT(run.r.n, 1, "django: the manifest is still listed");
	run_free(&run);
	cleanup(dir);

	dir = tmp_copy("django");
	write_str(dir, "extra.txt", "not collected\n");
	run_check(&run, MF_DJANGO, dir, 1, FIND_WARN);
	EXPECT(&run,
	       "W manifest ROOT/extra.txt: no manifest mentions this file\n",
	       "django: an extra file");
	T_INT(run.r.unmentioned, 1, "django: one unmentioned");
	run_free(&run);
	cleanup(dir);

	/* A manifest edited to point at another file. */
	dir = tmp_copy("django");
	edit(dir, "staticfiles.json", "\"lazy.414b8e03ccf7.js\"",
	     "\"css/app.ee9d412e4829.css\"");
	run_check(&run, MF_DJANGO, dir, 1, FIND_WARN);
	EXPECT(&run,
	       "E manifest ROOT/css/app.ee9d412e4829.css: "
	       "ROOT/staticfiles.json "
	       "maps \"lazy.js\" to this file, whose name is not that name "
	       "with a fingerprint\n"
	       "W manifest ROOT/lazy.414b8e03ccf7.js: no manifest mentions "
	       "this file\n",
	       "django: an entry redirected");
	run_free(&run);
	cleanup(dir);

	/* Missing manifest, wrong version, and the 1.1 hash. */
	dir = tmp_copy("django");
	remove_file(dir, "staticfiles.json");
	run_check(&run, MF_DJANGO, dir, 1, FIND_WARN);
	EXPECT(&run,
	       "E manifest ROOT: no django manifest: expected staticfiles.json "
	       "(written by ManifestStaticFilesStorage; with "
	       "StaticFilesStorage set outputs.manifest to none)\n",
	       "django: no manifest");
	T_OK(run.r.mentioned == NULL, "django: no flags without a manifest");
	run_free(&run);
	run_check(&run, MF_AUTO, dir, 1, FIND_INFO);
	EXPECT(&run, "I manifest ROOT: no framework manifest found\n",
	       "auto: no manifest");
	run_free(&run);
	cleanup(dir);

	dir = tmp_copy("django");
	edit(dir, "staticfiles.json", "\"1.0\"", "\"2.0\"");
	run_check(&run, MF_DJANGO, dir, 1, FIND_WARN);
	EXPECT(&run,
	       "E manifest ROOT/staticfiles.json: invalid django manifest: "
	       "\"version\" is not \"1.0\" or \"1.1\", so Django would refuse "
	       "it\n",
	       "django: version 2.0");
	run_free(&run);
	edit(dir, "staticfiles.json", "\"2.0\"",
	     "\"1.1\", \"hash\": \"ef633677f238\"");
	run_check(&run, MF_DJANGO, dir, 1, FIND_WARN);
	EXPECT(&run, "", "django: version 1.1 with the right hash");
	run_free(&run);
	edit(dir, "staticfiles.json", "ef633677f238", "ef633677f239");
	run_check(&run, MF_DJANGO, dir, 1, FIND_WARN);
	EXPECT(&run,
	       "E manifest ROOT/staticfiles.json: \"hash\" is ef633677f239, "
	       "but "
	       "the paths hash to ef633677f238: the manifest was edited after "
	       "Django wrote it\n",
	       "django: a wrong hash");
	run_free(&run);
	cleanup(dir);
}

/* Names without an extension, dotfiles, and a storage that adds no
 * fingerprint. */
TAP_SUITE(manifest_django_names)
{
	char *dir = tmp_copy(NULL);
	struct run run;

	write_str(dir, "LICENSE", "MIT\n");
	write_str(dir, "LICENSE.477dfa54ede2", "MIT\n");
	write_str(dir, ".htaccess", "deny\n");
	write_str(dir, ".htaccess.a5c9086a7b2b", "deny\n");
	write_str(dir, "plain.txt", "x");
	write_str(dir, "staticfiles.json",
		  "{\"paths\": {\"LICENSE\": \"LICENSE.477dfa54ede2\", "
		  "\".htaccess\": \".htaccess.a5c9086a7b2b\", "
		  "\"plain.txt\": \"plain.txt\"}, \"version\": \"1.0\"}");
	run_check(&run, MF_DJANGO, dir, 1, FIND_INFO);
	EXPECT(&run,
	       "I fingerprint ROOT/plain.txt: the name carries no fingerprint; "
	       "not recomputed\n",
	       "django: LICENSE, .htaccess, plain.txt");
	T_INT(run.r.fp_recomputed, 2, "django: two recomputed");
	T_INT(run.r.fp_unverifiable, 1, "django: one without a fingerprint");
	run_free(&run);
	cleanup(dir);
}

TAP_SUITE(manifest_django_hash)
{
	/* Python 3.11: json.dumps(sorted(paths.items())) -> md5[:12] for the
	 * paths below, which need \u escapes and a surrogate pair. */
	static const char text[] =
		"{\"paths\": {\"css/\\u00e9t\\u00e9.css\": "
		"\"css/\\u00e9t\\u00e9.0123456789ab.css\", "
		"\"img/\\ud83d\\ude00.png\": "
		"\"img/\\ud83d\\ude00.0123456789ab.png\", "
		"\"a\\\"b\\\\c\\n.txt\": \"x\"}, \"version\": \"1.1\"}";
	struct mf_json j;
	char msg[128], hash[13];
	unsigned line, col;

	T_INT(mf_json_parse(text, strlen(text), &j, msg, sizeof msg, &line,
			    &col),
	      0, "a Python-written manifest parses");
	T_INT(mf_django_hash(&j, mf_json_get(&j, &j.v[0], "paths"), hash), 0,
	      "hash computed");
	T_STR(hash, "bd05ef85d75c", "equals Python's");
	mf_json_free(&j);
}

TAP_SUITE(manifest_tamper_sprockets)
{
	const char *js = "application-f31c84fabf30376ee52f133ac724b589c6571efe"
			 "21e0d08840a9563cb3deab5c.js";
	const char *mf = ".sprockets-manifest-5f1d0c4e6b2a48f39e7d1c2b3a4f5e6d."
			 "json";
	struct run run;
	char *dir;

	if (!have_fixtures())
		return;

	dir = tmp_copy("sprockets");
	remove_file(dir, js);
	run_check(&run, MF_SPROCKETS, dir, 1, FIND_WARN);
	EXPECT(&run,
	       "E manifest "
	       "ROOT/application-f31c84fabf30376ee52f133ac724b589c6571efe21e0d0"
	       "8840a9563cb3deab5c.js: missing: "
	       "ROOT/.sprockets-manifest-5f1d0c4e6b2a48f39e7d1c2b3a4f5e6d.json "
	       "lists it for "
	       "\"application-f31c84fabf30376ee52f133ac724b589c6571efe21e0d0884"
	       "0a9563cb3deab5c.js\"\n"
	       "W manifest "
	       "ROOT/application-f31c84fabf30376ee52f133ac724b589c6571efe21e0d0"
	       "8840a9563cb3deab5c.js.gz: no manifest mentions this file\n",
	       "sprockets: a file deleted (its .gz stays)");
	run_free(&run);
	cleanup(dir);

	dir = tmp_copy("sprockets");
	append_byte(dir, js);
	run_check(&run, MF_SPROCKETS, dir, 1, FIND_WARN);
	EXPECT(&run,
	       "E manifest "
	       "ROOT/application-f31c84fabf30376ee52f133ac724b589c6571efe21e0d0"
	       "8840a9563cb3deab5c.js: size 82 in the manifest, 83 on disk; "
	       "integrity does not match the bytes (they are "
	       "sha256-sCrqEGgTKdv62jIcA7oREoUU8b+7B0evruiE0nOGP+s=); digest "
	       "f31c84fabf30... is not SHA-256 of the bytes (b02aea106813...)\n"
	       "E fingerprint "
	       "ROOT/application-f31c84fabf30376ee52f133ac724b589c6571efe21e0d0"
	       "8840a9563cb3deab5c.js: the name carries fingerprint "
	       "f31c84fabf30..., but SHA-256 of the bytes is b02aea106813... "
	       "(26fb33346ecb... with config.assets.version \"1.0\"): the file "
	       "changed after Sprockets named it\n",
	       "sprockets: a byte appended");
	run_free(&run);
	cleanup(dir);

	dir = tmp_copy("sprockets");
	flip_last(dir, "logo-623b824178637bb588ba6e2323269c494bbd34eb5338cfbe35"
		       "04affc684cc917.png");
	run_check(&run, MF_SPROCKETS, dir, 0, FIND_WARN);
	T_INT(run.rc, 0, "sprockets: one byte changed: returns 0");
	T_INT(findings_count(&run.f, FIND_ERROR), 2,
	      "sprockets: one byte changed: two errors");
	T_OK(strstr(run.text, "E manifest ROOT/logo-623b8241") &&
		     strstr(run.text, "integrity does not match the bytes") &&
		     strstr(run.text, "is not SHA-256 of the bytes") &&
		     strstr(run.text, "E fingerprint ROOT/logo-623b8241"),
	     "sprockets: one byte changed: integrity, digest, fingerprint");
	run_free(&run);
	cleanup(dir);

	dir = tmp_copy("sprockets");
	edit(dir, mf, "\"app.css\":\"app-", "\"app.css\":\"../app-");
	run_check(&run, MF_SPROCKETS, dir, 1, FIND_WARN);
	EXPECT(&run,
	       "E manifest "
	       "ROOT/"
	       ".sprockets-manifest-5f1d0c4e6b2a48f39e7d1c2b3a4f5e6d.json: "
	       "assets maps \"app.css\" to "
	       "\"../app-a357661b8496fa373dbf8fb09541e2858dbe2174822c1daca4c81f"
	       "733a14044f.css\", which \"files\" does not list\n",
	       "sprockets: an assets value not in files");
	run_free(&run);
	cleanup(dir);

	dir = tmp_copy("sprockets");
	edit(dir, mf, "{\"files\":{\"application-",
	     "{\"files\":{\"../application-");
	run_check(&run, MF_SPROCKETS, dir, 1, FIND_WARN);
	EXPECT(&run,
	       "E manifest "
	       "ROOT/"
	       ".sprockets-manifest-5f1d0c4e6b2a48f39e7d1c2b3a4f5e6d.json: "
	       "entry "
	       "\"../application-f31c84fabf30376ee52f133ac724b589c6571efe21e0d0"
	       "8840a9563cb3deab5c.js\" names "
	       "\"../application-f31c84fabf30376ee52f133ac724b589c6571efe21e0d0"
	       "8840a9563cb3deab5c.js\", outside the output root\n"
	       "E manifest "
	       "ROOT/"
	       ".sprockets-manifest-5f1d0c4e6b2a48f39e7d1c2b3a4f5e6d.json: "
	       "assets maps \"application.js\" to "
	       "\"application-f31c84fabf30376ee52f133ac724b589c6571efe21e0d0884"
	       "0a9563cb3deab5c.js\", which \"files\" does not list\n"
	       "W manifest "
	       "ROOT/application-f31c84fabf30376ee52f133ac724b589c6571efe21e0d0"
	       "8840a9563cb3deab5c.js: no manifest mentions this file\n"
	       "W manifest "
	       "ROOT/application-f31c84fabf30376ee52f133ac724b589c6571efe21e0d0"
	       "8840a9563cb3deab5c.js.gz: no manifest mentions this file\n",
	       "sprockets: a files key outside the root");
	run_free(&run);
	cleanup(dir);

	dir = tmp_copy("sprockets");
	edit(dir, mf, "{\"files\"", "{files");
	run_check(&run, MF_SPROCKETS, dir, 1, FIND_WARN);
	EXPECT(&run,
	       "E manifest "
	       "ROOT/"
	       ".sprockets-manifest-5f1d0c4e6b2a48f39e7d1c2b3a4f5e6d.json: "
	       "invalid JSON at line 1, column 7: found unexpected ':'\n",
	       "sprockets: invalid JSON");
	run_free(&run);
	cleanup(dir);

	dir = tmp_copy("sprockets");
	write_str(dir, "robots.txt", "User-agent: *\n");
	run_check(&run, MF_AUTO, dir, 1, FIND_WARN);
	EXPECT(&run,
	       "W manifest ROOT/robots.txt: no manifest mentions this file\n",
	       "sprockets: an extra file");
	run_free(&run);
	cleanup(dir);

	/* Sprockets 4 names: one tampered among names that match with the
	 * version is an error... */
	dir = tmp_copy("sprockets4");
	flip_last(dir, "logo-f816d5b95779992ec3c2f757e7dbed49fad92b58fe8a78ac6e"
		       "217ee336285377.png");
	run_check(&run, MF_SPROCKETS, dir, 1, FIND_WARN);
	T_INT(findings_count(&run.f, FIND_ERROR), 2,
	      "sprockets 4: one byte changed: two errors");
	T_OK(strstr(run.text, "E fingerprint ROOT/logo-f816d5b9") != NULL,
	     "sprockets 4: the name's fingerprint is wrong");
	T_INT(run.r.fp_recomputed, 3, "sprockets 4: three recomputed");
	run_free(&run);
	cleanup(dir);
}

/* ...while a manifest whose names match no known version only says so. */
TAP_SUITE(manifest_sprockets_version)
{
	char name[200], json[2000];
	char *dir = tmp_copy(NULL);
	struct run run;

	/* SHA-256 of "abc"; the name's fingerprint as if the version were
	 * "2.0" (not recomputable here). */
	snprintf(name, sizeof name, "a-%s.txt",
		 "1111111111111111111111111111111111111111111111111111111111111"
		 "111");
	write_str(dir, name, "abc");
	snprintf(json, sizeof json,
		 "{\"files\":{\"%s\":{\"logical_path\":\"a.txt\",\"size\":3,"
		 "\"digest\":\"ba7816bf8f01cfea414140de5dae2223b00361a396177a9c"
		 "b410ff61f20015ad\",\"integrity\":\"sha256-ungWv48Bz+pBQUDeXa4"
		 "iI7ADYaOWF3qctBD/YfIAFa0=\"}},\"assets\":{\"a.txt\":\"%s\"}}",
		 name, name);
	write_str(dir,
		  ".sprockets-manifest-00000000000000000000000000000000.json",
		  json);
	run_check(&run, MF_AUTO, dir, 1, FIND_INFO);
	EXPECT(&run,
	       "I fingerprint "
	       "ROOT/"
	       ".sprockets-manifest-00000000000000000000000000000000.json: "
	       "1 Sprockets file name carries a fingerprint that is not "
	       "SHA-256 "
	       "of the bytes (Sprockets 3), nor SHA-256 of "
	       "config.assets.version "
	       "\"1.0\" and that digest (Sprockets 4), and no such file here "
	       "matches it: the build uses another version, salt or hash "
	       "function, so it was not recomputed\n",
	       "sprockets: unknown version");
	T_INT(run.r.fp_unverifiable, 1, "sprockets: one not recomputable");
	T_INT(run.r.fp_mismatched, 0, "sprockets: no mismatch");
	run_free(&run);
	cleanup(dir);
}

TAP_SUITE(manifest_tamper_propshaft)
{
	struct run run;
	char *dir;

	if (!have_fixtures())
		return;
	dir = tmp_copy("propshaft");
	remove_file(dir, "img/font-da91b4f7.woff2");
	run_check(&run, MF_PROPSHAFT, dir, 1, FIND_WARN);
	EXPECT(&run,
	       "E manifest ROOT/img/font-da91b4f7.woff2: missing: "
	       "ROOT/.manifest.json lists it for \"img/font.woff2\"\n",
	       "propshaft: a file deleted");
	run_free(&run);
	cleanup(dir);

	dir = tmp_copy("propshaft");
	flip_last(dir, "img/logo-1f271e53.png");
	run_check(&run, MF_PROPSHAFT, dir, 1, FIND_WARN);
	EXPECT(&run,
	       "E manifest ROOT/img/logo-1f271e53.png: integrity does not "
	       "match the bytes (they are "
	       "sha384-"
	       "G0xIOWSyD6zbHQgV82dM2KAwWvn1dWWlbazkxaFcMpoWhq01etxCVAUxJtA5"
	       "LYg9)\n"
	       "E fingerprint ROOT/img/logo-1f271e53.png: the name carries "
	       "digest 1f271e53, but SHA-1 of the bytes and "
	       "config.assets.version \"1\" begins 04a3c61b: the file changed "
	       "after Propshaft named it\n",
	       "propshaft: one byte changed");
	run_free(&run);
	cleanup(dir);

	/* 0.x: no integrity, the digest alone. */
	dir = tmp_copy("propshaft0");
	append_byte(dir, "img/font-da91b4f7.woff2");
	run_check(&run, MF_PROPSHAFT, dir, 1, FIND_WARN);
	EXPECT(&run,
	       "E fingerprint ROOT/img/font-da91b4f7.woff2: the name carries "
	       "digest da91b4f7, but SHA-1 of the bytes and "
	       "config.assets.version \"1\" begins 3a4eb762: the file changed "
	       "after Propshaft named it\n",
	       "propshaft 0.x: a byte appended");
	run_free(&run);
	cleanup(dir);

	/* A JavaScript file Propshaft could have compiled is not
	 * recomputable when it does not match. */
	dir = tmp_copy("propshaft0");
	append_byte(dir, "lazy-98fe8f51.js");
	run_check(&run, MF_PROPSHAFT, dir, 1, FIND_INFO);
	EXPECT(&run,
	       "I fingerprint ROOT/.manifest.json: 1 Propshaft CSS/JavaScript "
	       "name was not recomputed: Propshaft digests the source and the "
	       "files it references, and rewrites url()s, so the output bytes "
	       "do not give the digest\n",
	       "propshaft: a changed JavaScript file");
	run_free(&run);
	cleanup(dir);

	dir = tmp_copy("propshaft");
	edit(dir, ".manifest.json", "\"lazy-98fe8f51.js\"",
	     "\"./js/../../lazy-98fe8f51.js\"");
	write_str(dir, "new.css", "x");
	run_check(&run, MF_PROPSHAFT, dir, 1, FIND_WARN);
	EXPECT(&run,
	       "E manifest ROOT/.manifest.json: entry \"lazy.js\" names "
	       "\"./js/../../lazy-98fe8f51.js\", outside the output root\n"
	       "W manifest ROOT/lazy-98fe8f51.js: no manifest mentions this "
	       "file\n"
	       "W manifest ROOT/new.css: no manifest mentions this file\n",
	       "propshaft: outside the root, and an extra file");
	run_free(&run);
	cleanup(dir);

	dir = tmp_copy("propshaft");
	edit(dir, ".manifest.json", "}}", "}");
	run_check(&run, MF_AUTO, dir, 1, FIND_WARN);
	EXPECT(&run,
	       "E manifest ROOT/.manifest.json: invalid JSON at line 1, column "
	       "424: unexpected end of the document\n",
	       "propshaft: invalid JSON");
	run_free(&run);
	cleanup(dir);
}

TAP_SUITE(manifest_tamper_vite)
{
	struct run run;
	char *dir;

	if (!have_fixtures())
		return;
	dir = tmp_copy("vite");
	remove_file(dir, "assets/index-DGYizq8C.css");
	run_check(&run, MF_VITE, dir, 1, FIND_WARN);
	EXPECT(&run,
	       "E manifest ROOT/assets/index-DGYizq8C.css: missing: "
	       "ROOT/.vite/manifest.json lists it for \"index.html\"\n",
	       "vite: a CSS file deleted");
	run_free(&run);
	cleanup(dir);

	/* Vite records neither sizes nor digests: a changed file is found
	 * only by the lock. */
	dir = tmp_copy("vite");
	append_byte(dir, "assets/lazy-B3ZTU7pm.js");
	flip_last(dir, "assets/logo-D4Ymtcdf.png");
	run_check(&run, MF_VITE, dir, 1, FIND_WARN);
	EXPECT(&run, "", "vite: changed bytes are not the manifest's to find");
	T_INT(run.r.fp_unverifiable, 5, "vite: five names not recomputable");
	run_free(&run);
	cleanup(dir);

	dir = tmp_copy("vite");
	edit(dir, ".vite/manifest.json", "\"assets/logo-D4Ymtcdf.png\",",
	     "\"../dist/assets/logo-D4Ymtcdf.png\",");
	edit(dir, ".vite/manifest.json", "\"src/lazy.js\"\n",
	     "\"src/gone.js\"\n");
	run_check(&run, MF_VITE, dir, 1, FIND_WARN);
	EXPECT(&run,
	       "E manifest ROOT/.vite/manifest.json: entry \"index.html\" "
	       "names "
	       "\"../dist/assets/logo-D4Ymtcdf.png\", outside the output root\n"
	       "E manifest ROOT/.vite/manifest.json: \"index.html\" lists "
	       "\"src/gone.js\" in dynamicImports, which is not an entry of "
	       "the "
	       "manifest\n",
	       "vite: outside the root, and an unknown import");
	run_free(&run);
	cleanup(dir);

	dir = tmp_copy("vite");
	edit(dir, ".vite/manifest.json", "\"isEntry\": true,",
	     "\"isEntry\": yes,");
	run_check(&run, MF_VITE, dir, 1, FIND_WARN);
	EXPECT(&run,
	       "E manifest ROOT/.vite/manifest.json: invalid JSON at line 6, "
	       "column 16: not a JSON value: 'yes'\n",
	       "vite: invalid JSON");
	run_free(&run);
	cleanup(dir);

	/* An extra file is reported; a source map beside a mentioned file is
	 * its companion. */
	dir = tmp_copy("vite");
	write_str(dir, "favicon.ico", "icon");
	write_str(dir, "assets/lazy-B3ZTU7pm.js.map", "{}");
	run_check(&run, MF_VITE, dir, 1, FIND_WARN);
	EXPECT(&run,
	       "W manifest ROOT/favicon.ico: no manifest mentions this file\n",
	       "vite: an extra file, and a source map");
	run_free(&run);

	/* The same file marked as a verbatim copy of public/ (verify.c
	 * compares the bytes): an info, not a warning. */
	memset(&run, 0, sizeof run);
	view_load(&run.w, dir, 1);
	for (size_t i = 0; i < run.w.n; i++)
		run.w.v[i].public_copy =
			strcmp(run.w.v[i].rel, "favicon.ico") == 0;
	run.rc = manifest_check(MF_VITE, dir, run.w.v, run.w.n, &run.f, &run.r,
				&run.e);
	run.text = render(&run.f, dir, FIND_INFO);
	T_INT(run.rc, 0, "vite: a public/ copy checks");
	T_INT(run.r.unmentioned, 0, "vite: a public/ copy is not unmentioned");
	T_INT(run.r.public_copies, 1, "vite: it is counted as a public copy");
	T_OK(run.text != NULL &&
		     strstr(run.text, "I manifest ROOT: 1 file no manifest "
				      "mentions is byte for byte the same as "
				      "in public/") != NULL,
	     "vite: reported as an info: %s", run.text ? run.text : "");
	run_free(&run);
	cleanup(dir);
}

TAP_SUITE(manifest_tamper_webpack)
{
	struct run run;
	char *dir;

	if (!have_fixtures())
		return;
	dir = tmp_copy("webpack");
	remove_file(dir, "480.1a436a4c7a9acb2e82dd.js");
	run_check(&run, MF_WEBPACK, dir, 1, FIND_WARN);
	EXPECT(&run,
	       "E manifest ROOT/480.1a436a4c7a9acb2e82dd.js: missing: "
	       "ROOT/manifest.json lists it for \"480.js\"\n",
	       "webpack: a chunk deleted");
	T_STR(run.r.v[0].public_path, "/static/",
	      "webpack: still the public path");
	run_free(&run);
	cleanup(dir);

	dir = tmp_copy("webpack");
	append_byte(dir, "main.d9b189a46daa513f5535.js");
	run_check(&run, MF_WEBPACK, dir, 1, FIND_WARN);
	EXPECT(&run,
	       "E fingerprint ROOT/main.d9b189a46daa513f5535.js: the name "
	       "carries fingerprint d9b189a46daa513f5535, but MD4 of the bytes "
	       "begins e0776379408a33bc91b8: the file changed after webpack "
	       "named it\n",
	       "webpack: a byte appended");
	run_free(&run);
	cleanup(dir);

	dir = tmp_copy("webpack");
	flip_last(dir, "logo.6a9047845a04d0fcfea6.png");
	run_check(&run, MF_WEBPACK, dir, 0, FIND_WARN);
	EXPECT(&run,
	       "E fingerprint ROOT/logo.6a9047845a04d0fcfea6.png: the name "
	       "carries fingerprint 6a9047845a04d0fcfea6, but MD4 of the bytes "
	       "begins cbdf79c2fedd143dd18e: the file changed after webpack "
	       "named it\n",
	       "webpack: one byte changed");
	run_free(&run);
	cleanup(dir);

	dir = tmp_copy("webpack-xxhash");
	flip_last(dir, "main.33aa0a4a727e0630.css");
	run_check(&run, MF_WEBPACK, dir, 0, FIND_WARN);
	EXPECT(&run,
	       "E fingerprint ROOT/main.33aa0a4a727e0630.css: the name carries "
	       "fingerprint 33aa0a4a727e0630, but MD4 of the bytes begins "
	       "418112c9b6dc195f and XXH64 is 96926e899f696936: the file "
	       "changed after webpack named it\n",
	       "webpack xxhash64: one byte changed");
	run_free(&run);
	cleanup(dir);

	dir = tmp_copy("webpack");
	edit(dir, "manifest.json", "\"/static/480.", "\"/static/../480.");
	run_check(&run, MF_WEBPACK, dir, 1, FIND_WARN);
	EXPECT(&run,
	       "E manifest ROOT/manifest.json: entry \"480.js\" names "
	       "\"../480.1a436a4c7a9acb2e82dd.js\", outside the output root\n"
	       "W manifest ROOT/480.1a436a4c7a9acb2e82dd.js: no manifest "
	       "mentions this file\n",
	       "webpack: outside the root");
	run_free(&run);
	cleanup(dir);

	dir = tmp_copy("webpack");
	edit(dir, "manifest.json", "\"main.css\":", "\"main.css\" ");
	run_check(&run, MF_WEBPACK, dir, 1, FIND_WARN);
	EXPECT(&run,
	       "E manifest ROOT/manifest.json: invalid JSON at line 2, column "
	       "15: a key without a value\n",
	       "webpack: invalid JSON");
	run_free(&run);
	cleanup(dir);

	dir = tmp_copy("webpack");
	write_str(dir, "stray.js", "1");
	write_str(dir, "main.d9b189a46daa513f5535.js.LICENSE.txt", "MIT");
	run_check(&run, MF_WEBPACK, dir, 1, FIND_WARN);
	EXPECT(&run,
	       "W manifest ROOT/stray.js: no manifest mentions this file\n",
	       "webpack: an extra file, and a license companion");
	run_free(&run);
	cleanup(dir);

	/* webpack-assets-manifest: integrity. */
	dir = tmp_copy("webpack-assets");
	flip_last(dir, "main.0744209a6e2b0b91d019.css");
	run_check(&run, MF_AUTO, dir, 1, FIND_WARN);
	EXPECT(&run,
	       "E manifest ROOT/main.0744209a6e2b0b91d019.css: integrity does "
	       "not match the bytes (they are "
	       "sha512-"
	       "q9odZdCH5WiUUxhDhWxW72w2z2uMsdRRdBlyTqpakxDmcyZYGyAcTgoyjVB"
	       "rqFlbnr1eItwD0QXu0WXiQF1ltA==)\n"
	       "E fingerprint ROOT/main.0744209a6e2b0b91d019.css: the name "
	       "carries fingerprint 0744209a6e2b0b91d019, but MD4 of the bytes "
	       "begins cb33c91b2c8cb076f079: the file changed after webpack "
	       "named it\n",
	       "webpack-assets: one byte changed");
	run_free(&run);
	cleanup(dir);

	dir = tmp_copy("webpack-assets");
	remove_file(dir, "main.d205ece83dbc41b0ef5a.js");
	run_check(&run, MF_WEBPACK, dir, 1, FIND_WARN);
	EXPECT(&run,
	       "E manifest ROOT/main.d205ece83dbc41b0ef5a.js: missing: "
	       "ROOT/assets-manifest.json lists it for \"entrypoints\"\n"
	       "E manifest ROOT/main.d205ece83dbc41b0ef5a.js: missing: "
	       "ROOT/assets-manifest.json lists it for \"main.js\"\n",
	       "webpack-assets: an entry's JavaScript deleted");
	run_free(&run);
	cleanup(dir);
}

/* publicPath inference on synthetic trees. */
static void public_path_case(const char *values[], size_t n,
			     const char *files[], size_t nf, const char *want,
			     const char *what)
{
	char *dir = tmp_copy(NULL), json[4096];
	size_t len = 0;
	struct run run;

	mkdir(strcat(strcpy(json, dir), "/js"), 0755);
	for (size_t i = 0; i < nf; i++)
		write_str(dir, files[i], files[i]);
	len += (size_t)snprintf(json + len, sizeof json - len, "{");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(json + len, sizeof json - len,
					"%s\"k%zu\": \"%s\"", i ? ", " : "", i,
					values[i]);
	snprintf(json + len, sizeof json - len, "}");
	write_str(dir, "manifest.json", json);
	run_check(&run, MF_WEBPACK, dir, 1, FIND_WARN);
	T_STR(run.text, "", what);
	T_STR(run.r.n ? run.r.v[0].public_path : NULL, want, what);
	run_free(&run);
	cleanup(dir);
}

TAP_SUITE(manifest_public_path)
{
	const char *files[] = {"js/a.js", "js/b.js"};
	const char *slash[] = {"/static/js/a.js", "/static/js/b.js"};
	const char *cdn[] = {"https://cdn.example.com/assets/js/a.js",
			     "https://cdn.example.com/assets/js/b.js"};
	const char *none[] = {"js/a.js", "js/b.js"};
	const char *autov[] = {"autojs/a.js", "autojs/b.js"};
	const char *autos[] = {"auto/js/a.js", "auto/js/b.js"};
	const char *one[] = {"/js/a.js"};
	const char *top[] = {"a.js", "b.js"};
	const char *topf[] = {"a.js", "b.js"};

	/* The common prefix "/static/js/" leaves names that are no files;
	 * the shorter "/static/" leaves the files. */
	public_path_case(slash, 2, files, 2, "/static/", "\"/static/\"");
	public_path_case(cdn, 2, files, 2, "https://cdn.example.com/assets/",
			 "an absolute URL");
	public_path_case(none, 2, files, 2, "", "none");
	public_path_case(autov, 2, files, 2, "auto", "a prefix without a '/'");
	public_path_case(autos, 2, files, 2, "auto/", "\"auto/\"");
	public_path_case(one, 1, files, 1, "/", "one value");
	public_path_case(top, 2, topf, 2, "", "names with a common start");
}

/* Everything else manifest_check promises. */
TAP_SUITE(manifest_edges)
{
	struct manifest_file unsorted[] = {{"b", 1, NULL, 0},
					   {"a", 1, NULL, 0}};
	struct manifest_result r;
	struct findings f = {0};
	struct err e = {0};
	struct run run;
	char *dir;
	int fd;

	memset(&r, 0, sizeof r);
	T_INT(manifest_check(MF_AUTO, ".", unsorted, 2, &f, &r, &e), -1,
	      "unsorted files are an internal error");
	T_INT(e.kind, ERR_SYSTEM, "  ERR_SYSTEM");
	manifest_result_free(&r);

	/* A manifest over 64 MiB is not read. */
	dir = tmp_copy(NULL);
	{
		char path[4096];

		snprintf(path, sizeof path, "%s/staticfiles.json", dir);
		fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		T_OK(fd >= 0 && ftruncate(fd, (off_t)MANIFEST_MAX + 1) == 0,
		     "a sparse 64 MiB + 1 manifest");
		close(fd);
	}
	run_check(&run, MF_AUTO, dir, 0, FIND_WARN);
	EXPECT(&run,
	       "E manifest ROOT/staticfiles.json: the manifest is larger than "
	       "64 MiB; not read\n",
	       "an oversized manifest");
	run_free(&run);
	cleanup(dir);

	/* More than 50 unmentioned files are summed up. */
	dir = tmp_copy(NULL);
	write_str(dir, "staticfiles.json",
		  "{\"paths\": {}, \"version\": \"1.0\"}");
	for (int i = 0; i < 60; i++) {
		char name[32];

		snprintf(name, sizeof name, "f%02d.txt", i);
		write_str(dir, name, "x");
	}
	run_check(&run, MF_DJANGO, dir, 1, FIND_WARN);
	T_INT(findings_count(&run.f, FIND_WARN), 51, "50 warnings and a sum");
	T_OK(strstr(run.text, "W manifest ROOT/f49.txt:") != NULL &&
		     strstr(run.text, "W manifest ROOT/f50.txt:") == NULL,
	     "the first 50 by name");
	T_OK(strstr(run.text, "W manifest ROOT: and 10 more files no "
			      "manifest mentions\n") != NULL,
	     "then the count");
	T_INT(run.r.unmentioned, 60, "all 60 counted");
	run_free(&run);
	cleanup(dir);

	/* Names with a surrogate pair, a file name with a newline, and Vite's
	 * manifest.json of Vite 4 found by its shape. */
	dir = tmp_copy(NULL);
	write_str(dir, "\xf0\x9f\x98\x80.txt", "smile");
	write_str(dir, "a\nb.txt", "newline");
	write_str(dir, "manifest.json",
		  "{\"x\": {\"file\": \"\\ud83d\\ude00.txt\"}, "
		  "\"y\": {\"file\": \"a\\nb.txt\", \"imports\": [\"x\"]}}");
	run_check(&run, MF_AUTO, dir, 1, FIND_INFO);
	EXPECT(&run, "", "Vite 4's manifest.json, with escapes");
	T_INT(run.r.n ? run.r.v[0].kind : MF_UNSET, MF_VITE,
	      "manifest.json sniffed as Vite");
	run_free(&run);
	cleanup(dir);

	/* Wrong shapes are invalid manifests. */
	dir = tmp_copy(NULL);
	write_str(dir, ".manifest.json", "[1, 2]");
	write_str(dir, "staticfiles.json",
		  "{\"paths\": [], \"version\": \"1.0\"}");
	write_str(dir, "assets-manifest.json", "{\"a.js\": 1}");
	run_check(&run, MF_AUTO, dir, 1, FIND_WARN);
	EXPECT(&run,
	       "E manifest ROOT/.manifest.json: invalid propshaft manifest: "
	       "the "
	       "top level is not an object\n"
	       "E manifest ROOT/staticfiles.json: invalid django manifest: "
	       "\"paths\" is missing or not an object\n"
	       "E manifest ROOT/assets-manifest.json: invalid webpack "
	       "manifest: "
	       "\"a.js\" maps to neither a file name nor {src, integrity}\n",
	       "three manifests of the wrong shape");
	T_INT(run.r.n, 3, "all three checked");
	run_free(&run);
	cleanup(dir);

	/* A PWA's web app manifest.json beside Vite's manifest is no
	 * webpack manifest. */
	dir = tmp_copy("vite");
	write_str(dir, "manifest.json",
		  "{\"name\": \"App\", \"short_name\": \"App\", \"icons\": "
		  "[{\"src\": \"icon.png\", \"sizes\": \"192x192\"}], "
		  "\"start_url\": \"/\", \"display\": \"standalone\"}");
	run_check(&run, MF_AUTO, dir, 1, FIND_WARN);
	EXPECT(&run,
	       "W manifest ROOT/manifest.json: no manifest mentions this "
	       "file\n",
	       "a web app manifest is not checked");
	T_INT(run.r.n, 1, "only Vite's manifest checked");
	run_free(&run);
	run_check(&run, MF_WEBPACK, dir, 1, FIND_WARN);
	EXPECT(&run,
	       "E manifest ROOT: no webpack manifest: expected manifest.json "
	       "(webpack-manifest-plugin) or assets-manifest.json "
	       "(webpack-assets-manifest); manifest.json here is not one\n",
	       "a web app manifest is no webpack manifest");
	run_free(&run);
	cleanup(dir);

	/* A named kind whose manifest is not there, beside another kind's. */
	run_check(&run, MF_VITE, FIXTURES "/webpack", 1, FIND_WARN);
	T_STR(run.text,
	      "E manifest ROOT: no vite manifest: expected .vite/manifest.json "
	      "(written with build.manifest: true) or manifest.json; "
	      "manifest.json here is not one\n",
	      "a webpack tree checked as Vite");
	run_free(&run);

	/* A symbolic link inside the root (the only kind the walk keeps) is
	 * read through; a FIFO is never opened. */
	dir = tmp_copy("django");
	{
		char path[4096];

		snprintf(path, sizeof path, "%s/lazy.414b8e03ccf7.js", dir);
		unlink(path);
		T_INT(symlink("lazy.js", path), 0, "a symlink planted");
	}
	run_check(&run, MF_DJANGO, dir, 0, FIND_WARN);
	EXPECT(&run, "", "a symlink to the same bytes verifies");
	T_INT(run.r.fp_recomputed, 4, "  through the link");
	run_free(&run);
	{
		char path[4096];

		snprintf(path, sizeof path, "%s/img/logo.3d28d9e62864.png",
			 dir);
		unlink(path);
		T_INT(mkfifo(path, 0644), 0, "a FIFO planted");
	}
	run_check(&run, MF_DJANGO, dir, 0, FIND_WARN);
	EXPECT(&run,
	       "E manifest ROOT/img/logo.3d28d9e62864.png: cannot read it to "
	       "check the manifest: not a regular file\n",
	       "a FIFO is not read");
	run_free(&run);
	cleanup(dir);
}

/* Which file is which format's manifest: the dispatcher's table of formats
 * and the file names each looks for. */
TAP_SUITE(manifest_finding)
{
	static const char sp_first[] =
		".sprockets-manifest-5f1d0c4e6b2a48f39e7d1c2b3a4f5e6d.json";
	static const char sp_second[] =
		".sprockets-manifest-ffffffffffffffffffffffffffffffff.json";
	struct run run;
	char *dir, *data;
	size_t len;

	if (!have_fixtures())
		return;
	/* Two Sprockets manifests: the first by name is read, with a
	 * warning; the other is a file no manifest mentions. */
	dir = tmp_copy("sprockets");
	data = read_all(dir, sp_first, &len);
	write_file(dir, sp_second, data, len);
	free(data);
	run_check(&run, MF_AUTO, dir, 1, FIND_WARN);
	EXPECT(&run,
	       "W manifest ROOT/.sprockets-manifest-"
	       "5f1d0c4e6b2a48f39e7d1c2b3a4f5e6d.json: 2 Sprockets manifests "
	       "in the root; Sprockets reads the first by name, this one\n"
	       "W manifest ROOT/.sprockets-manifest-"
	       "ffffffffffffffffffffffffffffffff.json: no manifest mentions "
	       "this file\n",
	       "two Sprockets manifests");
	T_INT(run.r.n, 1, "  one checked");
	run_free(&run);
	cleanup(dir);

	/* Stale Sprockets manifests in a Propshaft root checked as
	 * Propshaft: no word about which one Sprockets would read. */
	dir = tmp_copy("propshaft");
	write_str(dir, sp_first, "{}");
	write_str(dir, sp_second, "{}");
	run_check(&run, MF_PROPSHAFT, dir, 1, FIND_WARN);
	EXPECT(&run,
	       "W manifest ROOT/.sprockets-manifest-"
	       "5f1d0c4e6b2a48f39e7d1c2b3a4f5e6d.json: no manifest mentions "
	       "this file\n"
	       "W manifest ROOT/.sprockets-manifest-"
	       "ffffffffffffffffffffffffffffffff.json: no manifest mentions "
	       "this file\n",
	       "Sprockets manifests beside a Propshaft one");
	T_INT(run.r.n ? run.r.v[0].kind : MF_UNSET, MF_PROPSHAFT,
	      "  the Propshaft manifest checked");
	run_free(&run);
	cleanup(dir);

	/* The legacy name (Sprockets 2), and upper-case hex, which is no
	 * Sprockets name. */
	dir = tmp_copy("sprockets");
	data = read_all(dir, sp_first, &len);
	remove_file(dir, sp_first);
	write_file(dir, "manifest-5f1d0c4e6b2a48f39e7d1c2b3a4f5e6d.json", data,
		   len);
	write_file(dir,
		   ".sprockets-manifest-5F1D0C4E6B2A48F39E7D1C2B3A4F5E6D.json",
		   data, len);
	free(data);
	run_check(&run, MF_AUTO, dir, 1, FIND_WARN);
	EXPECT(&run,
	       "W manifest ROOT/.sprockets-manifest-"
	       "5F1D0C4E6B2A48F39E7D1C2B3A4F5E6D.json: no manifest mentions "
	       "this file\n",
	       "the legacy name");
	T_INT(run.r.n ? run.r.v[0].kind : MF_UNSET, MF_SPROCKETS,
	      "  read as Sprockets");
	T_OK(run.r.n == 1 && strstr(run.r.v[0].path, "/manifest-5f1d") != NULL,
	     "  the legacy manifest");
	run_free(&run);
	cleanup(dir);

	/* An unparsable manifest.json: when looking for every format it is
	 * reported as webpack's, unless a format that could have written it
	 * found its manifest under another name; a named format takes it. */
	dir = tmp_copy(NULL);
	write_str(dir, "manifest.json", "{\"a\": ");
	run_check(&run, MF_AUTO, dir, 1, FIND_WARN);
	T_INT(run.r.n ? run.r.v[0].kind : MF_UNSET, MF_WEBPACK,
	      "an unparsable manifest.json alone: webpack's");
	T_OK(strstr(run.text, "E manifest ROOT/manifest.json: invalid JSON") ==
		     run.text,
	     "  reported");
	run_free(&run);
	run_check(&run, MF_VITE, dir, 1, FIND_WARN);
	T_INT(run.r.n ? run.r.v[0].kind : MF_UNSET, MF_VITE,
	      "  named vite: Vite's");
	run_free(&run);
	run_check(&run, MF_SPROCKETS, dir, 1, FIND_WARN);
	T_INT(run.r.n ? run.r.v[0].kind : MF_UNSET, MF_SPROCKETS,
	      "  named sprockets: Sprockets'");
	run_free(&run);
	run_check(&run, MF_PROPSHAFT, dir, 1, FIND_WARN);
	EXPECT(&run,
	       "E manifest ROOT: no propshaft manifest: expected "
	       ".manifest.json\n",
	       "  named propshaft: not Propshaft's");
	run_free(&run);
	cleanup(dir);
	dir = tmp_copy("vite");
	write_str(dir, "manifest.json", "{\"a\": ");
	run_check(&run, MF_AUTO, dir, 1, FIND_WARN);
	EXPECT(&run,
	       "W manifest ROOT/manifest.json: no manifest mentions this "
	       "file\n",
	       "an unparsable manifest.json beside Vite's");
	T_INT(run.r.n, 1, "  only Vite's checked");
	run_free(&run);
	cleanup(dir);
}
