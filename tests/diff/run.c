/*
 * run.c: the differential runner. It generates env files (gen.c), runs
 * `cleanroom env --files-only --env FILE --format nul` and
 * `dash -c 'set -a; . ./FILE; exec env -0'` on each with the same small
 * environment, and checks that they agree (DESIGN.md "Env-file grammar":
 * dash is the reference).
 *
 * A file cleanroom accepts must give dash's environment: the base
 * environment overridden by cleanroom's records, apart from the names dash
 * adds itself (PWD). Its records must also be exactly the file's
 * assignments in order of last assignment, when the generator's model of
 * the file agrees with dash; and for one file in four, dash reading
 * cleanroom's `--format sh` output (promised to read back the same) must
 * export the same records. A file cleanroom rejects (exit 78, message
 * `cleanroom: FILE:LINE:COL: msg`) must be justified: the generator put a
 * rejected construct in it (then the line must be the construct's), or
 * dash fails on it or runs a command (a PATH of spy executables records
 * that), or it holds a construct the design leaves open. Every other
 * outcome is a failure, kept under the failures directory with both
 * programs' output and, for most kinds, a file shrunk to a small one that
 * still fails the same way.
 *
 * With -D the runner checks the generator instead: dash alone must accept
 * every file meant to be accepted, with exactly the modelled values.
 *
 * The generator is compiled into this program (not linked to a second
 * object) so that both always mean the same files by the same seed.
 */
#define _POSIX_C_SOURCE 200809L
#define GEN_LIBRARY

#include "gen.c"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TIMEOUT_MS   10000
#define SHRINK_RUNS  1500 /* most re-runs spent shrinking one failure */
#define SHRINK_FAILS 3	  /* failures per worker that are shrunk */

struct opts {
	const char *cleanroom;
	const char *dash;
	const char *keep;
	uint64_t seed;
	unsigned long count;
	unsigned jobs;
	long only; /* a single index, or -1 */
	int dash_only;
	int verbose;
};

/* ---- outcome counters ---- */

enum cat {
	C_EQUAL,	/* accepted, same environment as dash */
	C_EQUAL_EDGE,	/* the same, for a construct left open */
	C_REJ_LABELLED, /* rejected a labelled construct */
	C_REJ_DASH,	/* rejected what dash fails on or runs */
	C_REJ_EDGE,	/* rejected a construct the design leaves open */
	C_DASH_ONLY_OK, /* -D: dash agrees with the model */
	C_PASS_END,
	F_MISMATCH = C_PASS_END,
	F_ORDER, /* records not the file's assignments in order */
	F_FALSE_REJECT,
	F_ACCEPTED_REJECT,
	F_ACCEPTED_DASH_FAILS,
	F_BAD_MESSAGE,
	F_WRONG_LINE,
	F_BAD_OUTPUT,
	F_CRASH,
	F_SH_OUTPUT, /* --format sh output read by dash differs */
	F_MODEL,     /* -D: dash disagrees with the model */
	C_NCAT,
	W_GENERATOR = C_NCAT, /* not a failure: the generator's model is off */
	C_NALL
};

static const char *const cat_names[C_NALL] = {
	"accepted, same as dash",
	"accepted construct left open, same as dash",
	"rejected, labelled construct",
	"rejected, dash fails or runs a command",
	"rejected, construct left open by the design",
	"dash agrees with the generator",
	"MISMATCH: accepted with another environment than dash",
	"WRONG RECORDS: not the file's assignments in order",
	"FALSE REJECTION: dash accepts it",
	"ACCEPTED a labelled rejected construct",
	"ACCEPTED a file dash fails on or runs a command in",
	"BAD MESSAGE on exit 78",
	"WRONG LINE in the message",
	"BAD OUTPUT records",
	"CRASH or unexpected exit status",
	"SH OUTPUT: `--format sh` read back by dash differs",
	"GENERATOR: dash disagrees with the model",
	"generator warnings (not failures)",
};

/* ---- small helpers ---- */

static void die(const char *what)
{
	fprintf(stderr, "run: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			die("write");
		}
		p += w;
		n -= (size_t)w;
	}
}

static int write_path(const char *path, const char *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	write_all(fd, p, n);
	return close(fd);
}

static long long now_ms(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		die("clock_gettime");
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Appends s as a C string literal body, so any bytes can be reported. */
static void put_cstr(struct sbuf *b, const char *s, size_t n, size_t max)
{
	char tmp[8];
	sb_putc(b, '"');
	for (size_t i = 0; i < n && i < max; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n')
			sb_puts(b, "\\n");
		else if (c == '\t')
			sb_puts(b, "\\t");
		else if (c == '"' || c == '\\') {
			sb_putc(b, '\\');
			sb_putc(b, (char)c);
		} else if (c < 0x20 || c >= 0x7f) {
			/* octal, so a following digit cannot join it */
			snprintf(tmp, sizeof(tmp), "\\%03o", c);
			sb_puts(b, tmp);
		} else {
			sb_putc(b, (char)c);
		}
	}
	sb_putc(b, '"');
	if (n > max)
		sb_puts(b, "...");
}

static void remove_tree(const char *path)
{
	DIR *d = opendir(path);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			char sub[4096];
			snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
			struct stat st;
			if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
				remove_tree(sub);
			else if (unlink(sub) != 0)
				fprintf(stderr, "run: unlink %s: %s\n", sub,
					strerror(errno));
		}
		if (closedir(d) != 0)
			die("closedir");
	}
	if (rmdir(path) != 0 && errno != ENOENT)
		fprintf(stderr, "run: rmdir %s: %s\n", path, strerror(errno));
}

/* ---- running a program ---- */

struct capture {
	struct sbuf out, err;
	int exited, code, sig, timed_out;
};

static void capture_free(struct capture *c)
{
	free(c->out.p);
	free(c->err.p);
	memset(c, 0, sizeof(*c));
}

static void cloexec(int fd)
{
	int fl = fcntl(fd, F_GETFD);
	if (fl < 0 || fcntl(fd, F_SETFD, fl | FD_CLOEXEC) < 0)
		die("fcntl");
}

static void drain(int fds[2], struct sbuf *bufs[2], pid_t pid,
		  struct capture *c)
{
	struct pollfd p[2] = {{fds[0], POLLIN, 0}, {fds[1], POLLIN, 0}};
	int open_n = 2;
	long long deadline = now_ms() + TIMEOUT_MS;
	char buf[65536];
	while (open_n) {
		long long left = deadline - now_ms();
		if (left <= 0) {
			c->timed_out = 1;
			if (kill(-pid, SIGKILL) != 0 && errno != ESRCH)
				die("kill");
			break;
		}
		int r = poll(p, 2, (int)left);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		for (int i = 0; i < 2; i++) {
			if (p[i].fd < 0 || !p[i].revents)
				continue;
			ssize_t n = read(p[i].fd, buf, sizeof(buf));
			if (n > 0) {
				sb_putn(bufs[i], buf, (size_t)n);
			} else if (n == 0 || errno != EINTR) {
				if (close(p[i].fd) != 0)
					die("close");
				p[i].fd = -1;
				open_n--;
			}
		}
	}
	for (int i = 0; i < 2; i++)
		if (p[i].fd >= 0 && close(p[i].fd) != 0)
			die("close");
}

/* Runs path with argv and envp in its own process group, stdin from
 * /dev/null, and collects stdout, stderr and the status. */
static void run_capture(const char *path, char *const argv[],
			char *const envp[], struct capture *c)
{
	int po[2], pe[2];
	memset(c, 0, sizeof(*c));
	if (pipe(po) != 0 || pipe(pe) != 0)
		die("pipe");
	cloexec(po[0]);
	cloexec(po[1]);
	cloexec(pe[0]);
	cloexec(pe[1]);
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, def;
	sigemptyset(&none);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	if (posix_spawn_file_actions_init(&fa) != 0 ||
	    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY,
					     0) != 0 ||
	    posix_spawn_file_actions_adddup2(&fa, po[1], 1) != 0 ||
	    posix_spawn_file_actions_adddup2(&fa, pe[1], 2) != 0 ||
	    posix_spawnattr_init(&at) != 0 ||
	    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP |
						  POSIX_SPAWN_SETSIGMASK |
						  POSIX_SPAWN_SETSIGDEF) != 0 ||
	    posix_spawnattr_setpgroup(&at, 0) != 0 ||
	    posix_spawnattr_setsigmask(&at, &none) != 0 ||
	    posix_spawnattr_setsigdefault(&at, &def) != 0)
		die("posix_spawn setup");
	pid_t pid;
	int rc = posix_spawn(&pid, path, &fa, &at, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (close(po[1]) != 0 || close(pe[1]) != 0)
		die("close");
	if (rc != 0) {
		errno = rc;
		die(path);
	}
	int fds[2] = {po[0], pe[0]};
	struct sbuf *bufs[2] = {&c->out, &c->err};
	drain(fds, bufs, pid, c);
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	if (WIFEXITED(st)) {
		c->exited = 1;
		c->code = WEXITSTATUS(st);
	} else if (WIFSIGNALED(st)) {
		c->sig = WTERMSIG(st);
	}
}

/* ---- NAME=VALUE records ---- */

struct kv {
	const char *name, *val;
	size_t nlen, vlen;
};

struct kvlist {
	struct kv *v;
	size_t n, cap;
};

static void kv_add(struct kvlist *l, const char *name, size_t nlen,
		   const char *val, size_t vlen)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		struct kv *p = realloc(l->v, cap * sizeof(*p));
		if (!p)
			gen_oom();
		l->v = p;
		l->cap = cap;
	}
	l->v[l->n++] = (struct kv){name, val, nlen, vlen};
}

static struct kv *kv_find(const struct kvlist *l, const char *name, size_t nlen)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].nlen == nlen && !memcmp(l->v[i].name, name, nlen))
			return &l->v[i];
	return NULL;
}

/* Sets name, replacing its value where it is. */
static void kv_set(struct kvlist *l, const struct kv *e)
{
	struct kv *old = kv_find(l, e->name, e->nlen);
	if (old)
		*old = *e;
	else
		kv_add(l, e->name, e->nlen, e->val, e->vlen);
}

static int valid_name(const char *s, size_t n)
{
	if (n == 0 || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!is_name_char((unsigned char)s[i]))
			return 0;
	return 1;
}

/* Splits NUL-terminated NAME=VALUE records. With strict, every name must
 * be valid and appear once. Returns 0, or -1 with why filled. */
static int parse_records(const char *p, size_t len, struct kvlist *l,
			 int strict, const char **why)
{
	size_t i = 0;
	while (i < len) {
		const char *end = memchr(p + i, '\0', len - i);
		if (!end) {
			*why = "last record has no NUL";
			return -1;
		}
		const char *eq = memchr(p + i, '=', (size_t)(end - (p + i)));
		if (!eq) {
			*why = "record without '='";
			return -1;
		}
		size_t nlen = (size_t)(eq - (p + i));
		if (strict && !valid_name(p + i, nlen)) {
			*why = "invalid name";
			return -1;
		}
		if (strict && kv_find(l, p + i, nlen)) {
			*why = "name printed twice";
			return -1;
		}
		kv_add(l, p + i, nlen, eq + 1, (size_t)(end - eq - 1));
		i = (size_t)(end - p) + 1;
	}
	return 0;
}

static void put_status(struct sbuf *b, const char *who,
		       const struct capture *c);

/* ---- the test context ---- */

struct ctx {
	const struct opts *o;
	char **envps[GEN_NBASES];	 /* base environments with PATH */
	struct kvlist bases[GEN_NBASES]; /* the same, split */
	int cur;			 /* the base of the file at hand */
	int sh_check;			 /* also check the --format sh output */
	char **ignore;			 /* names dash adds on its own */
	size_t nignore;
	char dir[4096]; /* this worker's scratch directory */
	unsigned long counts[C_NALL];
	unsigned shrunk;
};

static int ignored(const struct ctx *x, const char *name, size_t n)
{
	for (size_t i = 0; i < x->nignore; i++)
		if (strlen(x->ignore[i]) == n && !memcmp(x->ignore[i], name, n))
			return 1;
	return 0;
}

static void run_cleanroom(const struct ctx *x, int two, char *fmt,
			  struct capture *c)
{
	char *one[] = {"cleanroom", "env",    "--files-only",
		       "--env",	    "in.env", "--format",
		       fmt,	    NULL};
	char *both[] = {"cleanroom", "env",   "--files-only", "--env",
			"in.env",    "--env", "in2.env",      "--format",
			fmt,	     NULL};
	run_capture(x->o->cleanroom, two ? both : one, x->envps[x->cur], c);
}

static int spy_ran(void)
{
	if (unlink("spy-ran") == 0)
		return 1;
	if (errno != ENOENT)
		die("unlink spy-ran");
	return 0;
}

/* Runs dash on in.env. Returns 1 when dash accepted it cleanly: exit 0,
 * nothing on stderr, no command run. */
static int run_dash_script(const struct ctx *x, char *script, struct capture *c)
{
	char *argv[] = {"dash", "-c", script, NULL};
	(void)spy_ran();
	run_capture(x->o->dash, argv, x->envps[x->cur], c);
	int spied = spy_ran();
	return c->exited && c->code == 0 && c->err.len == 0 && !spied &&
	       !c->timed_out;
}

static int run_dash(const struct ctx *x, int two, struct capture *c)
{
	return run_dash_script(x,
			       two ? "set -a; . ./in.env; . ./in2.env; "
				     "exec /usr/bin/env -0"
				   : "set -a; . ./in.env; exec /usr/bin/env -0",
			       c);
}

/* Compares dash's environment with base + records. Appends the
 * differences to why (when non-NULL). Returns 1 when equal. */
static int env_equal(const struct ctx *x, const struct kvlist *recs,
		     const struct capture *dash, struct sbuf *why)
{
	const char *who = x->o->dash_only ? "model" : "cleanroom";
	struct kvlist want = {0}, got = {0};
	const char *err = NULL;
	int equal = 1;
	const struct kvlist *base = &x->bases[x->cur];
	for (size_t i = 0; i < base->n; i++)
		kv_add(&want, base->v[i].name, base->v[i].nlen, base->v[i].val,
		       base->v[i].vlen);
	for (size_t i = 0; i < recs->n; i++)
		kv_set(&want, &recs->v[i]);
	if (parse_records(dash->out.p, dash->out.len, &got, 0, &err) != 0) {
		if (why)
			sb_puts(why, "  dash output unreadable\n");
		equal = 0;
		goto out;
	}
	for (int pass = 0; pass < 2; pass++) {
		const struct kvlist *a = pass ? &got : &want;
		const struct kvlist *b = pass ? &want : &got;
		for (size_t i = 0; i < a->n; i++) {
			const struct kv *e = &a->v[i];
			if (ignored(x, e->name, e->nlen))
				continue;
			const struct kv *f = kv_find(b, e->name, e->nlen);
			if (f && (pass || (f->vlen == e->vlen &&
					   !memcmp(f->val, e->val, e->vlen))))
				continue;
			equal = 0;
			if (!why)
				continue;
			sb_puts(why, "  ");
			sb_putn(why, e->name, e->nlen);
			if (pass) {
				sb_puts(why, ": dash ");
				put_cstr(why, e->val, e->vlen, 300);
				sb_puts(why, ", ");
				sb_puts(why, who);
				sb_puts(why, " unset\n");
				continue;
			}
			sb_puts(why, ": ");
			sb_puts(why, who);
			sb_puts(why, " ");
			put_cstr(why, e->val, e->vlen, 300);
			sb_puts(why, ", dash ");
			if (f)
				put_cstr(why, f->val, f->vlen, 300);
			else
				sb_puts(why, "unset");
			sb_puts(why, "\n");
		}
	}
out:
	free(want.v);
	free(got.v);
	return equal;
}

static int read_uint(const char **p, const char *end, unsigned long *out)
{
	const char *s = *p;
	unsigned long v = 0;
	while (s < end && *s >= '0' && *s <= '9' && v < 100000000UL)
		v = v * 10 + (unsigned long)(*s++ - '0');
	if (s == *p)
		return -1;
	*p = s;
	*out = v;
	return 0;
}

/* Checks that the first stderr line is `cleanroom: FILE:LINE:COL: msg`
 * (FILE as given, perhaps with a directory in front). Returns 0 and the
 * line, or -1. */
static int parse_message(const struct capture *c, unsigned *line)
{
	static const char pre[] = "cleanroom: ";
	static const char file[] = "in.env:";
	const char *s = c->err.p ? c->err.p : "";
	const char *nl = memchr(s, '\n', c->err.len);
	size_t n = nl ? (size_t)(nl - s) : c->err.len;
	size_t i = sizeof(pre) - 1;
	if (n < i || memcmp(s, pre, i) != 0)
		return -1;
	size_t flen = sizeof(file) - 1;
	while (i + flen <= n && memcmp(s + i, file, flen) != 0 &&
	       (i + flen + 1 > n || memcmp(s + i, "in2.env:", flen + 1) != 0))
		i++;
	if (i + flen > n)
		return -1;
	if (s[i + 2] == '2')
		flen++;
	const char *p = s + i + flen, *end = s + n;
	unsigned long l, col;
	if (read_uint(&p, end, &l) != 0 || p == end || *p++ != ':' ||
	    read_uint(&p, end, &col) != 0 || end - p < 3 || p[0] != ':' ||
	    p[1] != ' ' || l < 1 || col < 1)
		return -1;
	*line = (unsigned)l;
	return 0;
}

static int same_records(const struct kvlist *a, const struct kvlist *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i].nlen != b->v[i].nlen ||
		    a->v[i].vlen != b->v[i].vlen ||
		    memcmp(a->v[i].name, b->v[i].name, a->v[i].nlen) ||
		    memcmp(a->v[i].val, b->v[i].val, a->v[i].vlen))
			return 0;
	return 1;
}

static void put_names(struct sbuf *b, const char *who, const struct kvlist *l)
{
	sb_puts(b, "  ");
	sb_puts(b, who);
	sb_puts(b, ":");
	for (size_t i = 0; i < l->n; i++) {
		sb_putc(b, ' ');
		sb_putn(b, l->v[i].name, l->v[i].nlen);
		sb_putc(b, '=');
		put_cstr(b, l->v[i].val, l->v[i].vlen, 40);
	}
	sb_putc(b, '\n');
}

/* One file's outcome, with everything a report needs. */
struct result {
	enum cat cat;
	int genwarn;
	int have_dash;
	struct capture cr, dash;
	struct sbuf why;
};

static void result_free(struct result *r)
{
	capture_free(&r->cr);
	capture_free(&r->dash);
	free(r->why.p);
	memset(r, 0, sizeof(*r));
}

static void put_file(const char *path, const char *data, size_t len)
{
	if (write_path(path, data, len) != 0)
		die(path);
}

/* -D: the generator checked against dash alone. */
static enum cat check_dash_only(struct ctx *x, const struct gen_file *f,
				struct result *r)
{
	r->have_dash = 1;
	int clean = run_dash(x, f->data2 != NULL, &r->dash);
	if (f->kind == GEN_REJECT || f->soup)
		return C_DASH_ONLY_OK;
	if (!clean) {
		sb_puts(&r->why, "  dash does not accept it cleanly\n");
		return F_MODEL;
	}
	if (f->kind == GEN_EDGE)
		return C_DASH_ONLY_OK;
	struct kvlist model = {0};
	const char *err = "";
	enum cat cat = C_DASH_ONLY_OK;
	if (parse_records(f->expect, f->elen, &model, 1, &err) != 0) {
		sb_puts(&r->why, "  model: ");
		sb_puts(&r->why, err);
		sb_putc(&r->why, '\n');
		cat = F_MODEL;
	} else if (!env_equal(x, &model, &r->dash, &r->why)) {
		cat = F_MODEL;
	}
	free(model.v);
	return cat;
}

/* cleanroom exited 78: is the rejection justified? */
static enum cat check_rejected(struct ctx *x, const struct gen_file *f,
			       struct result *r)
{
	unsigned line = 0;
	if (parse_message(&r->cr, &line) != 0) {
		sb_puts(&r->why, "  first stderr line is not "
				 "`cleanroom: FILE:LINE:COL: message`\n");
		return F_BAD_MESSAGE;
	}
	if (f->kind == GEN_REJECT) {
		if (line == f->line)
			return C_REJ_LABELLED;
		char t[96];
		snprintf(t, sizeof(t),
			 "  message names line %u, the "
			 "construct is on line %u\n",
			 line, f->line);
		sb_puts(&r->why, t);
		return F_WRONG_LINE;
	}
	r->have_dash = 1;
	if (!run_dash(x, f->data2 != NULL, &r->dash)) {
		if (f->kind == GEN_ACCEPT && f->expect)
			r->genwarn = 1;
		return C_REJ_DASH;
	}
	return f->kind == GEN_EDGE ? C_REJ_EDGE : F_FALSE_REJECT;
}

/* The `sh` format promises a file that sh reads back to the same values:
 * dash sourcing cleanroom's --format sh output must export the records.
 * Returns 0, or -1 with the differences in r->why. */
static int check_sh_output(struct ctx *x, const struct gen_file *f,
			   const struct kvlist *recs, struct result *r)
{
	struct capture sh, dash;
	int rc = 0;
	run_cleanroom(x, f->data2 != NULL, "sh", &sh);
	if (sh.timed_out || !sh.exited || sh.code != 0) {
		sb_puts(&r->why, "  --format sh failed:\n");
		put_status(&r->why, "  cleanroom", &sh);
		capture_free(&sh);
		return -1;
	}
	put_file("in.sh", sh.out.p, sh.out.len);
	if (!run_dash_script(x, "set -a; . ./in.sh; exec /usr/bin/env -0",
			     &dash)) {
		put_status(&r->why, "dash reading --format sh", &dash);
		rc = -1;
	} else if (!env_equal(x, recs, &dash, &r->why)) {
		rc = -1;
	}
	if (rc != 0) {
		sb_puts(&r->why, "  --format sh output: ");
		put_cstr(&r->why, sh.out.p, sh.out.len, 2000);
		sb_putc(&r->why, '\n');
	}
	capture_free(&sh);
	capture_free(&dash);
	return rc;
}

/* cleanroom exited 0: same environment as dash, same records as the
 * model when the model agrees with dash. */
static enum cat check_accepted(struct ctx *x, const struct gen_file *f,
			       struct result *r)
{
	struct kvlist recs = {0}, model = {0};
	const char *err = "";
	enum cat cat = C_EQUAL;
	if (parse_records(r->cr.out.p, r->cr.out.len, &recs, 1, &err) != 0) {
		sb_puts(&r->why, "  ");
		sb_puts(&r->why, err);
		sb_putc(&r->why, '\n');
		cat = F_BAD_OUTPUT;
		goto out;
	}
	r->have_dash = 1;
	int clean = run_dash(x, f->data2 != NULL, &r->dash);
	if (f->kind == GEN_REJECT) {
		cat = F_ACCEPTED_REJECT;
		goto out;
	}
	if (!clean) {
		cat = F_ACCEPTED_DASH_FAILS;
		goto out;
	}
	if (!env_equal(x, &recs, &r->dash, &r->why)) {
		cat = F_MISMATCH;
		goto out;
	}
	if (x->sh_check && check_sh_output(x, f, &recs, r) != 0) {
		cat = F_SH_OUTPUT;
		goto out;
	}
	if (f->kind == GEN_EDGE)
		cat = C_EQUAL_EDGE;
	if (f->kind != GEN_ACCEPT || !f->expect)
		goto out;
	if (parse_records(f->expect, f->elen, &model, 1, &err) != 0 ||
	    !env_equal(x, &model, &r->dash, NULL)) {
		r->genwarn = 1;
		goto out;
	}
	if (!same_records(&recs, &model)) {
		put_names(&r->why, "cleanroom", &recs);
		put_names(&r->why, "expected ", &model);
		cat = F_ORDER;
	}
out:
	free(recs.v);
	free(model.v);
	return cat;
}

static enum cat check_file(struct ctx *x, const struct gen_file *f,
			   struct result *r)
{
	memset(r, 0, sizeof(*r));
	x->cur = f->base;
	put_file("in.env", f->data, f->len);
	if (f->data2)
		put_file("in2.env", f->data2, f->len2);
	if (x->o->dash_only)
		return r->cat = check_dash_only(x, f, r);
	run_cleanroom(x, f->data2 != NULL, "nul", &r->cr);
	if (r->cr.timed_out || !r->cr.exited ||
	    (r->cr.code != 0 && r->cr.code != 78))
		r->cat = F_CRASH;
	else if (r->cr.code == 78)
		r->cat = check_rejected(x, f, r);
	else
		r->cat = check_accepted(x, f, r);
	return r->cat;
}

/* ---- shrinking a failure ---- */

/* Tries file without bytes [at, at + n): keeps the removal when the result
 * still fails the same way, checked as a plain file (no label, no
 * model). */
static int try_cut(struct ctx *x, struct sbuf *file, const struct gen_file *f,
		   enum cat want, size_t at, size_t n)
{
	struct gen_file probe;
	struct result r;
	struct sbuf c = {0};
	sb_putn(&c, file->p, at);
	sb_putn(&c, file->p + at + n, file->len - at - n);
	memset(&probe, 0, sizeof(probe));
	probe.kind = GEN_ACCEPT;
	probe.base = f->base;
	probe.data2 = f->data2;
	probe.len2 = f->len2;
	probe.data = c.p ? c.p : "";
	probe.len = c.len;
	int same = check_file(x, &probe, &r) == want;
	result_free(&r);
	if (same) {
		free(file->p);
		*file = c;
	} else {
		free(c.p);
	}
	return same;
}

/* Shrinks a failing file: first halves, quarters, ... at aligned offsets,
 * then runs of 4 down to 1 bytes at every offset (a pair of quotes must go
 * together), until nothing more can go or the budget is spent. */
static void shrink(struct ctx *x, struct sbuf *file, const struct gen_file *f,
		   enum cat want)
{
	unsigned runs = 0;
	for (size_t chunk = file->len / 2; chunk > 4; chunk /= 2)
		for (size_t at = 0;
		     at + chunk <= file->len && runs < SHRINK_RUNS; runs++)
			if (!try_cut(x, file, f, want, at, chunk))
				at += chunk;
	int progress = 1;
	while (progress && runs < SHRINK_RUNS) {
		progress = 0;
		for (size_t n = 4; n >= 1; n--)
			for (size_t at = 0;
			     at + n <= file->len && runs < SHRINK_RUNS; runs++)
				if (try_cut(x, file, f, want, at, n))
					progress = 1;
				else
					at++;
	}
}

static int shrinkable(enum cat c)
{
	return c == F_MISMATCH || c == F_FALSE_REJECT ||
	       c == F_ACCEPTED_DASH_FAILS || c == F_BAD_OUTPUT ||
	       c == F_CRASH || c == F_BAD_MESSAGE || c == F_SH_OUTPUT;
}

/* ---- reporting ---- */

static void put_status(struct sbuf *b, const char *who, const struct capture *c)
{
	char t[128];
	if (c->timed_out)
		snprintf(t, sizeof(t), "  %s: timed out", who);
	else if (c->exited)
		snprintf(t, sizeof(t), "  %s: exit %d", who, c->code);
	else
		snprintf(t, sizeof(t), "  %s: killed by signal %d", who,
			 c->sig);
	sb_puts(b, t);
	if (c->err.len) {
		sb_puts(b, ", stderr ");
		put_cstr(b, c->err.p, c->err.len, 400);
	}
	sb_putc(b, '\n');
}

static void mkdir_p(const char *path)
{
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
			die(tmp);
		*p = '/';
	}
	if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
		die(tmp);
}

static void keep_one(const char *stem, const char *ext, const char *p, size_t n)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s.%s", stem, ext);
	if (write_path(path, p ? p : "", n) != 0)
		die(path);
}

static void keep_failure(const struct ctx *x, unsigned long index,
			 const struct gen_file *f, const struct result *r,
			 const struct sbuf *report, const struct sbuf *min)
{
	char stem[4200];
	mkdir_p(x->o->keep);
	snprintf(stem, sizeof(stem), "%s/%llu-%lu", x->o->keep,
		 (unsigned long long)x->o->seed, index);
	keep_one(stem, "env", f->data, f->len);
	if (f->data2)
		keep_one(stem, "env2", f->data2, f->len2);
	keep_one(stem, "report", report->p, report->len);
	keep_one(stem, "cleanroom.out", r->cr.out.p, r->cr.out.len);
	keep_one(stem, "cleanroom.err", r->cr.err.p, r->cr.err.len);
	if (r->have_dash) {
		keep_one(stem, "dash.out", r->dash.out.p, r->dash.out.len);
		keep_one(stem, "dash.err", r->dash.err.p, r->dash.err.len);
	}
	if (min)
		keep_one(stem, "min.env", min->p, min->len);
}

static void report(struct ctx *x, unsigned long index, const struct gen_file *f,
		   struct result *r)
{
	struct sbuf b = {0}, min = {0};
	char t[512];
	int have_min = 0;
	snprintf(t, sizeof(t), "not ok - seed %llu index %lu: %s\n",
		 (unsigned long long)x->o->seed, index, cat_names[r->cat]);
	sb_puts(&b, t);
	snprintf(t, sizeof(t), "  label: %s%s%s", gen_kind_name(f->kind),
		 f->reason[0] ? " / " : "", f->reason);
	sb_puts(&b, t);
	if (f->kind == GEN_REJECT) {
		snprintf(t, sizeof(t), " (line %u)", f->line);
		sb_puts(&b, t);
	}
	if (f->snippet[0]) {
		sb_puts(&b, ", construct ");
		put_cstr(&b, f->snippet, strlen(f->snippet), 200);
	}
	sb_puts(&b, "\n  file: ");
	put_cstr(&b, f->data, f->len, 3000);
	sb_putc(&b, '\n');
	if (f->data2) {
		sb_puts(&b, "  second file: ");
		put_cstr(&b, f->data2, f->len2, 3000);
		sb_putc(&b, '\n');
	}
	if (f->base)
		sb_puts(&b, "  environment: the second base (no HOME)\n");
	if (!x->o->dash_only)
		put_status(&b, "cleanroom", &r->cr);
	if (r->have_dash)
		put_status(&b, "dash", &r->dash);
	if (r->why.len)
		sb_putn(&b, r->why.p, r->why.len);
	if (shrinkable(r->cat) && x->shrunk < SHRINK_FAILS) {
		enum cat want = r->cat;
		x->shrunk++;
		sb_putn(&min, f->data, f->len);
		shrink(x, &min, f, want);
		struct gen_file probe = {0};
		struct result m;
		probe.kind = GEN_ACCEPT;
		probe.base = f->base;
		probe.data2 = f->data2;
		probe.len2 = f->len2;
		probe.data = min.p ? min.p : "";
		probe.len = min.len;
		check_file(x, &probe, &m);
		sb_puts(&b, "  minimal file: ");
		put_cstr(&b, probe.data, probe.len, 3000);
		sb_putc(&b, '\n');
		put_status(&b, "  cleanroom", &m.cr);
		if (m.cr.out.len) {
			sb_puts(&b, "    cleanroom stdout ");
			put_cstr(&b, m.cr.out.p, m.cr.out.len, 400);
			sb_putc(&b, '\n');
		}
		if (m.have_dash)
			put_status(&b, "  dash", &m.dash);
		if (m.why.len)
			sb_putn(&b, m.why.p, m.why.len);
		result_free(&m);
		have_min = 1;
	}
	snprintf(t, sizeof(t),
		 "  kept as %s/%llu-%lu.*; replay: run -s %llu"
		 " -i %lu CLEANROOM\n",
		 x->o->keep, (unsigned long long)x->o->seed, index,
		 (unsigned long long)x->o->seed, index);
	sb_puts(&b, t);
	/* the shrinking runs overwrote in.env; the report keeps the original */
	keep_failure(x, index, f, r, &b, have_min ? &min : NULL);
	write_all(1, b.p, b.len);
	free(b.p);
	free(min.p);
}

static void warn_generator(const struct ctx *x, unsigned long index,
			   const struct gen_file *f)
{
	char t[256];
	snprintf(t, sizeof(t),
		 "warning: seed %llu index %lu: the generator's"
		 " model of this %s file disagrees with dash (a bug in gen.c;"
		 " check with -D)\n",
		 (unsigned long long)x->o->seed, index, gen_kind_name(f->kind));
	write_all(2, t, strlen(t));
}

/* Prints one file and both outputs whatever the outcome (-i). */
static void show(const struct gen_file *f, const struct result *r)
{
	struct sbuf b = {0};
	sb_puts(&b, "file: ");
	put_cstr(&b, f->data, f->len, 100000);
	if (f->data2) {
		sb_puts(&b, "\nsecond file: ");
		put_cstr(&b, f->data2, f->len2, 100000);
	}
	sb_puts(&b, "\nlabel: ");
	sb_puts(&b, gen_kind_name(f->kind));
	sb_puts(&b, " ");
	sb_puts(&b, f->reason);
	sb_puts(&b, "\n");
	put_status(&b, "cleanroom", &r->cr);
	sb_puts(&b, "  cleanroom stdout ");
	put_cstr(&b, r->cr.out.p, r->cr.out.len, 100000);
	sb_putc(&b, '\n');
	if (r->have_dash) {
		put_status(&b, "dash", &r->dash);
		sb_puts(&b, "  dash stdout ");
		put_cstr(&b, r->dash.out.p, r->dash.out.len, 100000);
		sb_putc(&b, '\n');
	}
	if (f->expect) {
		sb_puts(&b, "  model ");
		put_cstr(&b, f->expect, f->elen, 100000);
		sb_putc(&b, '\n');
	}
	sb_puts(&b, "  outcome: ");
	sb_puts(&b, cat_names[r->cat]);
	sb_putc(&b, '\n');
	write_all(1, b.p, b.len);
	free(b.p);
}

/* ---- workers ---- */

static void work(struct ctx *x, unsigned w, int out_fd)
{
	if (chdir(x->dir) != 0)
		die(x->dir);
	unsigned long first = x->o->only >= 0 ? (unsigned long)x->o->only : w;
	unsigned long last = x->o->only >= 0 ? first + 1 : x->o->count;
	unsigned long step = x->o->only >= 0 ? 1 : x->o->jobs;
	for (unsigned long i = first; i < last; i += step) {
		struct gen_file f;
		struct result r;
		gen_make(x->o->seed, i, &f);
		x->sh_check = i % 4 == 0;
		enum cat c = check_file(x, &f, &r);
		x->counts[c]++;
		if (r.genwarn) {
			x->counts[W_GENERATOR]++;
			warn_generator(x, i, &f);
		}
		if (x->o->only >= 0 || x->o->verbose)
			show(&f, &r);
		if (c >= C_PASS_END)
			report(x, i, &f, &r);
		result_free(&r);
		gen_file_free(&f);
	}
	write_all(out_fd, (const char *)x->counts, sizeof(x->counts));
}

/* ---- setup ---- */

static void make_spies(const char *dir)
{
	static const char script[] = "#!/bin/sh\n"
				     "echo \"spy: $0 ran\" >&2\n"
				     ": > spy-ran\n";
	if (mkdir(dir, 0755) != 0)
		die(dir);
	for (const char *const *n = gen_spy_names; *n; n++) {
		char path[8192];
		snprintf(path, sizeof(path), "%s/%s", dir, *n);
		if (write_path(path, script, sizeof(script) - 1) != 0 ||
		    chmod(path, 0755) != 0)
			die(path);
	}
}

static void make_env(struct ctx *x, int b, const char *spydir)
{
	const char *const *env = gen_bases[b];
	size_t n = 0;
	while (env[n])
		n++;
	char **envp = calloc(n + 2, sizeof(char *));
	if (!envp)
		gen_oom();
	for (size_t i = 0; i < n; i++) {
		envp[i] = strdup(env[i]);
		if (!envp[i])
			gen_oom();
	}
	struct sbuf p = {0};
	sb_puts(&p, "PATH=");
	sb_puts(&p, spydir);
	envp[n] = p.p;
	for (size_t i = 0; i <= n; i++) {
		const char *eq = strchr(envp[i], '=');
		kv_add(&x->bases[b], envp[i], (size_t)(eq - envp[i]), eq + 1,
		       strlen(eq + 1));
	}
	x->envps[b] = envp;
}

/* Names dash adds by itself (PWD) are found with an empty file. */
static void find_dash_names(struct ctx *x)
{
	struct capture c;
	struct kvlist got = {0};
	const char *err;
	put_file("in.env", "", 0);
	if (!run_dash(x, 0, &c) ||
	    parse_records(c.out.p, c.out.len, &got, 0, &err) != 0) {
		fprintf(stderr, "run: %s fails on an empty file\n", x->o->dash);
		exit(2);
	}
	x->ignore = calloc(got.n + 1, sizeof(char *));
	if (!x->ignore)
		gen_oom();
	for (size_t i = 0; i < got.n; i++) {
		if (kv_find(&x->bases[0], got.v[i].name, got.v[i].nlen))
			continue;
		x->ignore[x->nignore] = strndup(got.v[i].name, got.v[i].nlen);
		if (!x->ignore[x->nignore++])
			gen_oom();
	}
	free(got.v);
	capture_free(&c);
	if (unlink("in.env") != 0)
		die("unlink");
}

static char *make_scratch(void)
{
	const char *bases[] = {"/dev/shm", getenv("TMPDIR"), "/tmp", NULL};
	for (int i = 0; i < 3; i++) {
		if (!bases[i] || access(bases[i], W_OK) != 0)
			continue;
		char *p = malloc(strlen(bases[i]) + 32);
		if (!p)
			gen_oom();
		sprintf(p, "%s/cleanroom-diff.XXXXXX", bases[i]);
		if (mkdtemp(p))
			return p;
		free(p);
	}
	die("mkdtemp");
	return NULL;
}

static void usage(void)
{
	fputs("usage: run [-j JOBS] [-n COUNT] [-s SEED] [-i INDEX] [-k DIR]"
	      " [-d DASH] [-v] [-D] [CLEANROOM [COUNT [SEED]]]\n"
	      "  CLEANROOM defaults to $CLEANROOM; -D checks the generator "
	      "against dash alone\n",
	      stderr);
	exit(64);
}

static int parse_u64_opt(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-')
		return -1;
	*out = v;
	return 0;
}

static unsigned long parse_num(const char *s)
{
	uint64_t v;
	if (parse_u64_opt(s, &v) != 0)
		usage();
	return (unsigned long)v;
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	int ch;
	memset(o, 0, sizeof(*o));
	o->dash = "/usr/bin/dash";
	o->keep = "build/diff-failures";
	if (getenv("BUILD") && *getenv("BUILD")) {
		static char keep[4096];
		snprintf(keep, sizeof(keep), "%s/diff-failures",
			 getenv("BUILD"));
		o->keep = keep;
	}
	o->count = 10000;
	o->jobs = 2;
	o->only = -1;
	o->seed = (uint64_t)time(NULL) * 1000003u ^ (uint64_t)getpid();
	while ((ch = getopt(argc, argv, "j:n:s:i:k:d:vD")) != -1) {
		switch (ch) {
		case 'j': o->jobs = (unsigned)parse_num(optarg); break;
		case 'n': o->count = parse_num(optarg); break;
		case 's':
			if (parse_u64_opt(optarg, &o->seed) != 0)
				usage();
			break;
		case 'i': o->only = (long)parse_num(optarg); break;
		case 'k': o->keep = optarg; break;
		case 'd': o->dash = optarg; break;
		case 'v': o->verbose = 1; break;
		case 'D': o->dash_only = 1; break;
		default: usage();
		}
	}
	if (optind < argc)
		o->cleanroom = argv[optind++];
	else
		o->cleanroom = getenv("CLEANROOM");
	if (optind < argc)
		o->count = parse_num(argv[optind++]);
	if (optind < argc && parse_u64_opt(argv[optind++], &o->seed) != 0)
		usage();
	if (optind != argc || o->jobs < 1 || o->jobs > 64 ||
	    (!o->dash_only && (!o->cleanroom || !*o->cleanroom)))
		usage();
	if (o->only >= 0)
		o->jobs = 1;
}

/* Paths the workers use after chdir must be absolute; out holds the
 * result when p is relative. */
static const char *absolute(const char *p, char *out, size_t size)
{
	if (!p || p[0] == '/')
		return p;
	char cwd[4096];
	if (!getcwd(cwd, sizeof(cwd)))
		die("getcwd");
	if ((size_t)snprintf(out, size, "%s/%s", cwd, p) >= size) {
		errno = ENAMETOOLONG;
		die(p);
	}
	return out;
}

static void ctx_free(struct ctx *x)
{
	for (int b = 0; b < GEN_NBASES; b++) {
		for (char **e = x->envps[b]; e && *e; e++)
			free(*e);
		free(x->envps[b]);
		free(x->bases[b].v);
	}
	for (size_t i = 0; i < x->nignore; i++)
		free(x->ignore[i]);
	free(x->ignore);
}

static void print_summary(const struct opts *o, const unsigned long *sum,
			  long long ms)
{
	unsigned long passed = 0, failed = 0;
	for (int c = 0; c < C_NCAT; c++) {
		if (c < C_PASS_END)
			passed += sum[c];
		else
			failed += sum[c];
		if (sum[c] || c == C_EQUAL || c == C_REJ_LABELLED)
			printf("  %-52s %lu\n", cat_names[c], sum[c]);
	}
	if (sum[W_GENERATOR])
		printf("  %-52s %lu\n", cat_names[W_GENERATOR],
		       sum[W_GENERATOR]);
	printf("seed %llu, %lu files in %lld.%03lld s\n",
	       (unsigned long long)o->seed, passed + failed, ms / 1000,
	       ms % 1000);
	printf("%lu passed, %lu failed\n", passed, failed);
}

int main(int argc, char **argv)
{
	struct opts o;
	struct ctx x;
	parse_opts(argc, argv, &o);
	static char keep_abs[8192], cr_abs[8192];
	o.keep = absolute(o.keep, keep_abs, sizeof(keep_abs));
	o.cleanroom = absolute(o.cleanroom, cr_abs, sizeof(cr_abs));
	memset(&x, 0, sizeof(x));
	x.o = &o;
	if (!o.dash_only && access(o.cleanroom, X_OK) != 0) {
		fprintf(stderr, "run: %s: %s\n", o.cleanroom, strerror(errno));
		puts("0 passed, 1 failed");
		return 1;
	}
	char *scratch = make_scratch();
	char spydir[4200];
	snprintf(spydir, sizeof(spydir), "%s/spy", scratch);
	make_spies(spydir);
	for (int b = 0; b < GEN_NBASES; b++)
		make_env(&x, b, spydir);
	snprintf(x.dir, sizeof(x.dir), "%s/w0", scratch);
	if (mkdir(x.dir, 0755) != 0 || chdir(x.dir) != 0)
		die(x.dir);
	find_dash_names(&x);
	printf("cleanroom-diff: %s, seed %llu, %lu files, %u jobs\n",
	       o.dash_only ? "dash only" : o.cleanroom,
	       (unsigned long long)o.seed, o.only >= 0 ? 1UL : o.count, o.jobs);
	if (fflush(stdout) != 0)
		die("stdout");
	long long t0 = now_ms();
	int fds[2];
	if (pipe(fds) != 0)
		die("pipe");
	for (unsigned w = 0; w < o.jobs; w++) {
		snprintf(x.dir, sizeof(x.dir), "%s/w%u", scratch, w);
		if (w > 0 && mkdir(x.dir, 0755) != 0)
			die(x.dir);
		pid_t pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0) {
			if (close(fds[0]) != 0)
				die("close");
			work(&x, w, fds[1]);
			_exit(0);
		}
	}
	if (close(fds[1]) != 0)
		die("close");
	unsigned long sum[C_NALL] = {0};
	int bad = 0;
	for (unsigned w = 0; w < o.jobs; w++) {
		unsigned long part[C_NALL];
		size_t got = 0;
		while (got < sizeof(part)) {
			ssize_t n = read(fds[0], (char *)part + got,
					 sizeof(part) - got);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			got += (size_t)n;
		}
		if (got != sizeof(part)) {
			bad = 1;
			break;
		}
		for (int c = 0; c < C_NALL; c++)
			sum[c] += part[c];
	}
	int st;
	for (;;) {
		pid_t p = wait(&st);
		if (p < 0 && errno == EINTR)
			continue;
		if (p < 0)
			break;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			bad = 1;
	}
	if (chdir("/") != 0)
		die("chdir");
	remove_tree(scratch);
	free(scratch);
	ctx_free(&x);
	if (bad) {
		fputs("run: a worker died\n", stderr);
		sum[F_CRASH]++;
	}
	print_summary(&o, sum, now_ms() - t0);
	unsigned long failed = 0;
	for (int c = C_PASS_END; c < C_NCAT; c++)
		failed += sum[c];
	return failed ? 1 : 0;
}
