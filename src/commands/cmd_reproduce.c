/*
 * `cleanroom reproduce [OPTIONS] [-- COMMAND]`: the build twice, each in a
 * fresh copy of the working tree (outputs, the build's writable scratch
 * directories and .cleanroom/ left out), under conditions that differ
 * between the two: the build path, the order the copy's directory entries
 * were created in, umask, TZ, LANG/LC_ALL, SOURCE_DATE_EPOCH set or not.
 * Each build is `cleanroom run` with the same options, in a forked child
 * (so its environment and umask are its own), writing its lock beside the
 * copies. The two locks are compared: every differing file is listed, with
 * the first differing line of text files, and a fingerprinted file whose
 * name changed with its content is paired with its counterpart. Exit 0
 * when the output sets are identical, EXIT_VERIFY when not, the build's
 * status when a build fails.
 *
 * The copies live in .cleanroom/reproduce.XXXXXX/ of the working tree: on
 * the same filesystem, so they can be reflinks, and removed at the end.
 */
#include "commands.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "job.h"
#include "overrides.h"
#include "run.h"
#include "copytree.h"
#include "envfmt.h"
#include "filediff.h"
#include "io.h"
#include "lock.h"
#include "msg.h"
#include "policy.h"
#include "provenance.h"
#include "report.h"
#include "verify.h"

#define FILE_MAX      (64u << 20) /* larger files: compared by digest only */
#define EXCERPT_WIDTH 60
/* 1980-01-01T00:00:00Z, the oldest time a zip file can hold: a
 * SOURCE_DATE_EPOCH that no real build date is mistaken for. */
#define EPOCH_VALUE "315532800"

/* What differs between the two builds' conditions. */
struct variant {
	const char *tz, *lang;
	mode_t umask;
	enum copy_order order;
	int epoch;	     /* adds --set SOURCE_DATE_EPOCH=EPOCH_VALUE */
	char dir[PATH_MAX];  /* the copy: the build path */
	char lock[PATH_MAX]; /* its lock, outside the copy */
	/* what the build's environment holds, for the report */
	char seen_tz[128], seen_lang[128], seen_lc_all[128], seen_epoch[64];
	double seconds;
	struct copy_stats copy;
};

struct repro {
	const struct cli *c;
	struct job *j;
	char work[PATH_MAX];
	char **exclude; /* NULL-terminated, owned */
	struct variant v[2];
	int readdir_differs; /* -1: not known */
	struct lock lk[2];
	struct buf out;	 /* the human report */
	struct buf json; /* the differences as JSON array items */
	size_t ndiff;
};

/* Pacific/Chatham is +12:45/+13:45, far from UTC and not on the hour; a
 * POSIX TZ string gives the same offset where tzdata is missing. */
static const char *far_timezone(void)
{
	return access("/usr/share/zoneinfo/Pacific/Chatham", R_OK) == 0
		       ? "Pacific/Chatham"
		       : "<+1345>-13:45";
}

/* path relative to the working tree, normalized, or NULL when it is
 * absolute or climbs out (".."). */
static char *tree_path(const char *workdir, const char *p)
{
	char *out = NULL;
	const char *w = workdir;

	if (p[0] == '/')
		return NULL;
	while (w != NULL && w[0] == '.' && w[1] == '/')
		w += 2;
	if (w != NULL && (strcmp(w, ".") == 0 || w[0] == '\0'))
		w = NULL;
	while (p[0] == '.' && p[1] == '/')
		p += 2;
	{
		int wl = w ? (int)strlen(w) : 0;

		while (wl > 1 && w[wl - 1] == '/')
			wl--;
		if (asprintf(&out, "%.*s%s%s", wl, w ? w : "", w ? "/" : "",
			     p) < 0)
			return NULL;
	}
	for (size_t n = strlen(out); n > 1 && out[n - 1] == '/'; n--)
		out[n - 1] = '\0';
	if (strcmp(out, "..") == 0 || strncmp(out, "../", 3) == 0 ||
	    strstr(out, "/../") != NULL) {
		free(out);
		return NULL;
	}
	return out;
}

/* What the copies leave out: .cleanroom, the outputs and the lock, the
 * build's writable scratch directories (a fresh checkout has none of
 * them: a cache left by an earlier build would hide non-determinism). */
static int plan_excludes(struct repro *r, struct err *e)
{
	const struct spec *s = &r->j->cfg.spec;
	size_t n = 0, cap = 5 + s->outputs.roots.n + s->sandbox.writable.n;
	char *prov = NULL;
	const char *wd = r->j->wd_shown;

	r->exclude = calloc(cap, sizeof *r->exclude);
	if (r->exclude == NULL)
		return err_sys(e, ENOMEM, "reproduce");
	/* cleanroom's state, where reproduce keeps the copies (the start
	 * directory's) and the workdir's. */
	if ((r->exclude[n++] = strdup(JOB_STATE_DIR)) == NULL ||
	    (wd[0] != '\0' &&
	     (r->exclude[n++] = tree_path(wd, JOB_STATE_DIR)) == NULL))
		return err_sys(e, ENOMEM, "reproduce");
	for (size_t i = 0; i < s->outputs.roots.n; i++) {
		const char *root = s->outputs.roots.v[i].s;
		char *p = tree_path(wd, root);

		if (p == NULL) {
			err_set(e, ERR_CONFIG, NULL, 0, 0,
				"output root %s is outside the working tree: "
				"both builds would write the same directory",
				root);
			err_hint(e, "give reproduce output roots inside the "
				    "working tree (--output public/assets)");
			return -1;
		}
		r->exclude[n++] = p;
	}
	for (size_t i = 0; i < s->sandbox.writable.n; i++) {
		char *p = tree_path(wd, s->sandbox.writable.v[i].s);

		if (p != NULL)
			r->exclude[n++] = p;
	}
	/* The provenance statement of an earlier run: a fresh checkout
	 * has none (each build writes its own beside its lock). */
	if (provenance_path(s, &prov, e) < 0)
		return -1;
	if (prov != NULL) {
		r->exclude[n] = tree_path(wd, prov); /* the last; NULL: none */
		free(prov);
	}
	return 0;
}

static void free_excludes(struct repro *r)
{
	if (r->exclude == NULL)
		return;
	for (size_t i = 0; r->exclude[i] != NULL; i++)
		free(r->exclude[i]);
	free(r->exclude);
}

/* The overrides of build i: the command line's, with its lock outside
 * the copy and SOURCE_DATE_EPOCH for the variant that sets it. */
static int variant_overrides(const struct repro *r, int i, struct spec *ov,
			     struct err *e)
{
	char *prov;
	int rc;

	if (overrides_from_cli(r->c, 1, ov, e) < 0)
		return -1;
	if ((prov = provenance_path_for_lock(r->v[i].lock, NULL, 0)) == NULL)
		return err_sys(e, ENOMEM, "reproduce");
	/* Each build's statement beside its lock, outside the copies. */
	if (ov->outputs.provenance.off != 1) {
		ov->outputs.provenance.off = 0;
		rc = spec_str_set(&ov->outputs.provenance.path, prov, 0, 0);
	} else {
		rc = 0;
	}
	free(prov);
	if (rc < 0 || spec_str_set(&ov->outputs.lock, r->v[i].lock, 0, 0) < 0 ||
	    (r->v[i].epoch && spec_map_put(&ov->env.set, "SOURCE_DATE_EPOCH",
					   EPOCH_VALUE, 0, 0) < 0))
		return err_sys(e, ENOMEM, "reproduce");
	return 0;
}

/* Loads build i's job in the current directory (the start directory, or
 * build i's copy of it), with the variant's environment. */
static int variant_job(const struct repro *r, int i, char **env,
		       struct spec *ov, struct job *j, struct err *e)
{
	struct job_request rq = {.spec_path = r->c->spec,
				 .over = ov,
				 .policy = JOB_POLICY_REQUIRED,
				 .env = env};

	if (env == NULL)
		return err_sys(e, ENOMEM, "reproduce");
	if (variant_overrides(r, i, ov, e) < 0)
		return -1;
	return job_load(&rq, j, e);
}

/* The caller's environment with the variant's TZ and locale. */
static char **variant_environ(char *const *caller, const struct variant *v,
			      char *tz, char *lang, char *lc_all)
{
	size_t n = 0, k = 0;
	char **env;

	while (caller[n] != NULL)
		n++;
	env = calloc(n + 4, sizeof *env);
	if (env == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strncmp(caller[i], "TZ=", 3) != 0 &&
		    strncmp(caller[i], "LANG=", 5) != 0 &&
		    strncmp(caller[i], "LC_", 3) != 0 &&
		    strncmp(caller[i], "SOURCE_DATE_EPOCH=", 18) != 0)
			env[k++] = caller[i];
	(void)snprintf(tz, 160, "TZ=%s", v->tz);
	(void)snprintf(lang, 160, "LANG=%s", v->lang);
	(void)snprintf(lc_all, 160, "LC_ALL=%s", v->lang);
	env[k++] = tz;
	env[k++] = lang;
	env[k++] = lc_all;
	env[k] = NULL;
	return env;
}

static void seen(const struct policy *pol, const char *name, char *out,
		 size_t size)
{
	size_t len = strlen(name);

	(void)snprintf(out, size, "unset");
	for (char **p = pol->envp; p && *p; p++)
		if (strncmp(*p, name, len) == 0 && (*p)[len] == '=') {
			(void)snprintf(out, size, "%s", *p + len + 1);
			return;
		}
}

/* Fills the seen_* fields: what build i's environment will hold, from the
 * same policy run computes. */
static int what_build_sees(struct repro *r, int i, struct err *e)
{
	struct variant *v = &r->v[i];
	char tz[160], lang[160], lc_all[160];
	char **env = variant_environ(r->j->env, v, tz, lang, lc_all);
	struct spec ov;
	struct job j;
	int rc;

	memset(&j, 0, sizeof j);
	spec_init(&ov);
	rc = variant_job(r, i, env, &ov, &j, e);
	if (rc == 0) {
		seen(&j.pol, "TZ", v->seen_tz, sizeof v->seen_tz);
		seen(&j.pol, "LANG", v->seen_lang, sizeof v->seen_lang);
		seen(&j.pol, "LC_ALL", v->seen_lc_all, sizeof v->seen_lc_all);
		seen(&j.pol, "SOURCE_DATE_EPOCH", v->seen_epoch,
		     sizeof v->seen_epoch);
		job_free(&j);
	}
	spec_free(&ov);
	free(env);
	return rc;
}

/* In the child: become build i and run it in its copy, as a job of its
 * own. The error goes back to the parent over fd, which prints it once.
 * Never returns. */
static void child_build(struct repro *r, int i, int fd, const sigset_t *mask)
{
	struct variant *v = &r->v[i];
	char tz[160], lang[160], lc_all[160];
	char **env = variant_environ(r->j->env, v, tz, lang, lc_all);
	struct run_opts ro = {
		.stdout_to_stderr =
			r->c->report != NULL && report_is_stdout(r->c->report),
	};
	struct spec ov;
	struct job j;
	struct err e = {0};
	int rc;

	(void)sigprocmask(SIG_SETMASK, mask, NULL);
	msg_set_level(r->c->verbose ? MSG_VERBOSE : MSG_QUIET);
	umask(v->umask);
	spec_init(&ov);
	if (chdir(v->dir) < 0)
		rc = err_sys(&e, errno, "chdir %s", v->dir);
	else if ((rc = variant_job(r, i, env, &ov, &j, &e)) == 0) {
		rc = run_build(&j, &ro, &e);
		job_free(&j);
	}
	if (rc < 0)
		(void)io_write_all(fd, &e, sizeof e);
	_exit(rc < 0 ? 1 : 0);
}

/* Runs build i in a child and waits. INT, TERM and HUP are passed on to
 * it (its supervisor stops the build's whole tree); then reproduce stops
 * too. */
static int build_in_child(struct repro *r, int i, struct err *e)
{
	sigset_t set, old;
	int pfd[2], status = 0, stop = 0;
	pid_t pid;
	struct err ce = {0};
	ssize_t got = 0;
	double t0 = io_now_ms();

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return err_sys(e, errno, "pipe");
	if (sigprocmask(SIG_BLOCK, &set, &old) < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return err_sys(e, errno, "sigprocmask");
	}
	(void)fflush(NULL);
	pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		child_build(r, i, pfd[1], &old);
	}
	close(pfd[1]);
	if (pid < 0) {
		(void)sigprocmask(SIG_SETMASK, &old, NULL);
		close(pfd[0]);
		return err_sys(e, errno, "fork");
	}
	for (;;) {
		siginfo_t si;
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			err_sys(e, errno, "waitpid");
			break;
		}
		if (sigwaitinfo(&set, &si) > 0 && si.si_signo != SIGCHLD) {
			stop = si.si_signo;
			(void)kill(pid, stop);
		}
	}
	(void)sigprocmask(SIG_SETMASK, &old, NULL);
	while ((got = read(pfd[0], &ce, sizeof ce)) < 0 && errno == EINTR)
		;
	close(pfd[0]);
	r->v[i].seconds = (io_now_ms() - t0) / 1e3;
	if (got == (ssize_t)sizeof ce) {
		*e = ce;
		return -1;
	}
	if (stop != 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		int sig = stop			? stop
			  : WIFSIGNALED(status) ? WTERMSIG(status)
						: 0;

		err_set(e, ERR_CHILD, NULL, 0, 0,
			"build %d of 2 was stopped (%s %d)", i + 1,
			sig ? "signal" : "exit status",
			sig ? sig : WEXITSTATUS(status));
		e->status = sig ? EXIT_SIGNAL + sig : WEXITSTATUS(status);
		return -1;
	}
	return 0;
}

static int make_copies(struct repro *r, struct err *e)
{
	char cwd[PATH_MAX], parent[PATH_MAX];
	const char *name;

	if (getcwd(cwd, sizeof cwd) == NULL)
		return err_sys(e, errno, "getcwd");
	name = strrchr(cwd, '/');
	name = name && name[1] ? name + 1 : "app";
	if (mkdir(JOB_STATE_DIR, 0755) < 0 && errno != EEXIST)
		return err_sys(e, errno, "%s", JOB_STATE_DIR);
	if (snprintf(r->work, sizeof r->work, "%s/%s/reproduce.XXXXXX", cwd,
		     JOB_STATE_DIR) >= (int)sizeof r->work ||
	    mkdtemp(r->work) == NULL) {
		r->work[0] = '\0';
		return err_sys(e, errno ? errno : ENAMETOOLONG,
			       "%s/reproduce.XXXXXX", JOB_STATE_DIR);
	}
	/* mkdtemp's 0700 would keep a build user (the default as root) out
	 * of the copies below it: search only, no listing. */
	if (chmod(r->work, 0711) < 0)
		return err_sys(e, errno, "%s", r->work);
	/* Two build paths of different lengths and depths, the same base
	 * name (an app's name often comes from its directory). */
	for (int i = 0; i < 2; i++) {
		struct variant *v = &r->v[i];
		double t0 = io_now_ms();

		(void)snprintf(parent, sizeof parent,
			       i == 0 ? "%s/1" : "%s/2-other-build-path",
			       r->work);
		if (mkdir(parent, 0755) < 0)
			return err_sys(e, errno, "%s", parent);
		if (snprintf(v->dir, sizeof v->dir, "%s/%s", parent, name) >=
			    (int)sizeof v->dir ||
		    snprintf(v->lock, sizeof v->lock, "%s/build-%d.lock",
			     r->work, i + 1) >= (int)sizeof v->lock)
			return err_sys(e, ENAMETOOLONG, "%s", parent);
		if (copytree(".", v->dir, (const char *const *)r->exclude,
			     v->order, &v->copy, e) < 0)
			return -1;
		msg_info("reproduce: copy %d: %zu files, %.1f MiB (%zu "
			 "reflinked) in %.0f ms",
			 i + 1, v->copy.files, (double)v->copy.bytes / 1048576,
			 v->copy.reflinked, io_now_ms() - t0);
	}
	/* Whether this filesystem lists entries in creation order, so that
	 * the two copies read differently. */
	char a[4096], b[4096];
	long la = copytree_readdir_order(r->v[0].dir, a, sizeof a);
	long lb = copytree_readdir_order(r->v[1].dir, b, sizeof b);

	r->readdir_differs = la < 0 || lb < 0 || la != lb
				     ? -1
				     : memcmp(a, b, (size_t)la) != 0;
	return 0;
}

static int add_json_str(struct buf *b, const char *s)
{
	return envfmt_json_string(b, s, strlen(s));
}

/* One line of the "varied" table and its JSON member. */
static int varied_row(struct repro *r, struct buf *json, const char *label,
		      const char *key, const char *a, const char *b)
{
	int same = strcmp(a, b) == 0;

	if (buf_printf(&r->out, "  %-18s %s%s%s%s\n", label, a,
		       same ? "" : "  |  ", same ? "" : b,
		       same ? "  (in both: fixed by the configuration)" : "") <
		    0 ||
	    buf_printf(json, "%s\"%s\":[", json->len > 1 ? "," : "", key) < 0 ||
	    add_json_str(json, a) < 0 || buf_addc(json, ',') < 0 ||
	    add_json_str(json, b) < 0 || buf_addc(json, ']') < 0)
		return -1;
	return 0;
}

static int describe_variation(struct repro *r, struct buf *json)
{
	char um[2][8];

	for (int i = 0; i < 2; i++)
		(void)snprintf(um[i], sizeof um[i], "%04o",
			       (unsigned)r->v[i].umask);
	if (buf_adds(&r->out, "varied between build 1 and build 2:\n") < 0 ||
	    buf_addc(json, '{') < 0 ||
	    varied_row(r, json, "build path", "build_path", r->v[0].dir,
		       r->v[1].dir) < 0 ||
	    varied_row(r, json, "directory order", "directory_order",
		       "entries created in name order",
		       r->readdir_differs == 1
			       ? "reverse order (read back reversed here)"
		       : r->readdir_differs == 0
			       ? "reverse order (this filesystem reads "
				 "them back in hash order: same in both)"
			       : "reverse order") < 0 ||
	    buf_printf(json, ",\"readdir_order_differs\":%s",
		       r->readdir_differs == 1	 ? "true"
		       : r->readdir_differs == 0 ? "false"
						 : "null") < 0 ||
	    varied_row(r, json, "umask", "umask", um[0], um[1]) < 0 ||
	    varied_row(r, json, "TZ", "TZ", r->v[0].seen_tz, r->v[1].seen_tz) <
		    0 ||
	    varied_row(r, json, "LANG", "LANG", r->v[0].seen_lang,
		       r->v[1].seen_lang) < 0 ||
	    varied_row(r, json, "LC_ALL", "LC_ALL", r->v[0].seen_lc_all,
		       r->v[1].seen_lc_all) < 0 ||
	    varied_row(r, json, "SOURCE_DATE_EPOCH", "SOURCE_DATE_EPOCH",
		       r->v[0].seen_epoch, r->v[1].seen_epoch) < 0 ||
	    buf_addc(json, '}') < 0)
		return -1;
	return 0;
}

/* Where file a (in build 1) and b (in build 2) part, as text lines. */
static int explain(struct repro *r, const char *pa, const char *pb,
		   struct buf *item)
{
	struct buf fa = {0}, fb = {0}, ex = {0};
	char path[2 * PATH_MAX];
	struct filediff d;
	int rc = -1;

	(void)snprintf(path, sizeof path, "%s/%s", r->v[0].dir, pa);
	if (io_read_file(path, FILE_MAX, &fa) < 0)
		goto unreadable;
	(void)snprintf(path, sizeof path, "%s/%s", r->v[1].dir, pb);
	if (io_read_file(path, FILE_MAX, &fb) < 0)
		goto unreadable;
	filediff_first(fa.p ? fa.p : "", fa.len, fb.p ? fb.p : "", fb.len, &d);
	if (d.same) {
		rc = buf_adds(&r->out, "    same content\n") < 0 ? -1 : 0;
		goto out;
	}
	if (!d.text) {
		rc = buf_printf(&r->out,
				"    binary: differs from byte %zu (sizes %zu "
				"and %zu)\n",
				d.offset, fa.len, fb.len) < 0 ||
				     buf_printf(item, ",\"offset\":%zu",
						d.offset) < 0
			     ? -1
			     : 0;
		goto out;
	}
	if (buf_printf(&r->out, "    line %zu, column %zu:\n      build 1: ",
		       d.line, d.col) < 0 ||
	    filediff_excerpt(d.a_line, d.a_len, d.col, EXCERPT_WIDTH, &r->out) <
		    0 ||
	    buf_adds(&r->out, "\n      build 2: ") < 0 ||
	    filediff_excerpt(d.b_line, d.b_len, d.col, EXCERPT_WIDTH, &r->out) <
		    0 ||
	    buf_addc(&r->out, '\n') < 0 ||
	    buf_printf(item, ",\"line\":%zu,\"column\":%zu,\"excerpt1\":",
		       d.line, d.col) < 0 ||
	    filediff_excerpt(d.a_line, d.a_len, d.col, EXCERPT_WIDTH, &ex) <
		    0 ||
	    envfmt_json_string(item, ex.p ? ex.p : "", ex.len) < 0)
		goto out;
	ex.len = 0;
	if (buf_adds(item, ",\"excerpt2\":") < 0 ||
	    filediff_excerpt(d.b_line, d.b_len, d.col, EXCERPT_WIDTH, &ex) <
		    0 ||
	    envfmt_json_string(item, ex.p ? ex.p : "", ex.len) < 0)
		goto out;
	rc = 0;
	goto out;
unreadable:
	rc = buf_printf(&r->out, "    (not compared: %s)\n", strerror(errno)) <
			     0
		     ? -1
		     : 0;
out:
	buf_free(&fa);
	buf_free(&fb);
	buf_free(&ex);
	return rc;
}

/* A differing file: the report line, its explanation, its JSON item. */
static int report_diff(struct repro *r, const char *kind, const char *pa,
		       const char *pb)
{
	struct buf item = {0}, ea = {0}, eb = {0};
	int rc = -1;

	r->ndiff++;
	/* The names as a terminal may show them (msg_escape). */
	if ((pa != NULL && msg_escape(&ea, pa, strlen(pa), 0) < 0) ||
	    (pb != NULL && msg_escape(&eb, pb, strlen(pb), 0) < 0))
		goto out;
	if (buf_printf(&item, "%s{\"kind\":\"%s\"", r->ndiff > 1 ? "," : "",
		       kind) < 0)
		goto out;
	if (pa != NULL &&
	    (buf_adds(&item, ",\"path1\":") < 0 || add_json_str(&item, pa) < 0))
		goto out;
	if (pb != NULL &&
	    (buf_adds(&item, ",\"path2\":") < 0 || add_json_str(&item, pb) < 0))
		goto out;
	if (strcmp(kind, "changed") == 0)
		rc = buf_printf(&r->out, "differs: %s\n", ea.p);
	else if (strcmp(kind, "renamed") == 0)
		rc = buf_printf(&r->out,
				"differs: %s (build 1) vs %s (build 2)\n", ea.p,
				eb.p);
	else
		rc = buf_printf(&r->out, "only in build %s: %s\n",
				pa ? "1" : "2", pa ? ea.p : eb.p);
	if (rc < 0 || (pa && pb && explain(r, pa, pb, &item) < 0))
		goto fail;
	/* The JSON keys of a text difference come after the paths. */
	if (buf_addc(&item, '}') < 0 || buf_add(&r->json, item.p, item.len) < 0)
		goto fail;
	rc = 0;
	goto out;
fail:
	rc = -1;
out:
	buf_free(&item);
	buf_free(&ea);
	buf_free(&eb);
	return rc;
}

/* The fingerprint-blind name keys of the files of l that flag marks
 * unmatched (1), NULL for the others; NULL when out of memory. */
static char **unmatched_keys(const struct lock *l, const unsigned char *flag)
{
	char **keys = calloc(l->n + 1, sizeof *keys);
	struct buf k = {0};

	for (size_t i = 0; keys != NULL && i < l->n; i++) {
		if (flag[i] != 1)
			continue;
		k.len = 0;
		if (filediff_name_key(l->v[i].path, &k) < 0 ||
		    (keys[i] = strdup(k.p)) == NULL) {
			for (size_t j = 0; j < i; j++)
				free(keys[j]);
			free(keys);
			keys = NULL;
		}
	}
	buf_free(&k);
	return keys;
}

static void keys_free(char **keys, size_t n)
{
	for (size_t i = 0; keys != NULL && i < n; i++)
		free(keys[i]);
	free(keys);
}

/* How many still-unmatched files (flag 1) have key, and the last one. */
static size_t count_key(char *const *keys, const unsigned char *flag, size_t n,
			const char *key, size_t *last)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		if (flag[i] == 1 && strcmp(keys[i], key) == 0) {
			c++;
			*last = i;
		}
	return c;
}

/* The two locks, side by side. Files only on one side are paired when
 * their fingerprint-blind names match exactly one file on each side. */
static int compare(struct repro *r, struct err *e)
{
	const struct lock *a = &r->lk[0], *b = &r->lk[1];
	unsigned char *pa = calloc(a->n + 1, 1), *pb = calloc(b->n + 1, 1);
	char **ka = NULL, **kb = NULL;
	size_t i = 0, j = 0;
	int rc = -1;

	if (pa == NULL || pb == NULL)
		goto oom;
	/* Merge by path: equal paths with different digests changed; the
	 * rest are marked unmatched (pa/pb = 1). */
	while (i < a->n || j < b->n) {
		int c = i == a->n   ? 1
			: j == b->n ? -1
				    : strcmp(a->v[i].path, b->v[j].path);

		if (c == 0) {
			if (memcmp(a->v[i].sha256, b->v[j].sha256, 32) != 0 &&
			    report_diff(r, "changed", a->v[i].path,
					b->v[j].path) < 0)
				goto oom;
			i++;
			j++;
		} else if (c < 0)
			pa[i++] = 1;
		else
			pb[j++] = 1;
	}
	ka = unmatched_keys(a, pa);
	kb = unmatched_keys(b, pb);
	if (ka == NULL || kb == NULL)
		goto oom;
	for (i = 0; i < a->n; i++) {
		size_t mine, match = 0;

		if (pa[i] != 1)
			continue;
		if (count_key(ka, pa, a->n, ka[i], &mine) == 1 &&
		    count_key(kb, pb, b->n, ka[i], &match) == 1) {
			if (report_diff(r, "renamed", a->v[i].path,
					b->v[match].path) < 0)
				goto oom;
			pa[i] = pb[match] = 2;
		}
	}
	for (i = 0; i < a->n; i++)
		if (pa[i] == 1 &&
		    report_diff(r, "only_in_build1", a->v[i].path, NULL) < 0)
			goto oom;
	for (j = 0; j < b->n; j++)
		if (pb[j] == 1 &&
		    report_diff(r, "only_in_build2", NULL, b->v[j].path) < 0)
			goto oom;
	rc = 0;
	goto out;
oom:
	err_sys(e, ENOMEM, "reproduce");
out:
	keys_free(ka, a->n);
	keys_free(kb, b->n);
	free(pa);
	free(pb);
	return rc;
}

/* The JSON report's members, in the job for main to write. */
static int render_report(struct repro *r, const struct buf *varied,
			 struct err *e)
{
	struct buf *j = &r->j->report;

	if (buf_printf(j, ",\n \"reproducible\": %s, \"varied\": ",
		       r->ndiff == 0 ? "true" : "false") < 0 ||
	    buf_add(j, varied->p, varied->len) < 0 ||
	    buf_printf(j,
		       ",\n \"builds\": [{\"seconds\": %.3f, \"files\": %zu}, "
		       "{\"seconds\": %.3f, \"files\": %zu}],\n "
		       "\"differences\": [",
		       r->v[0].seconds, r->lk[0].n, r->v[1].seconds,
		       r->lk[1].n) < 0 ||
	    buf_add(j, r->json.p ? r->json.p : "", r->json.len) < 0 ||
	    buf_adds(j, "]") < 0)
		return err_sys(e, ENOMEM, "reproduce");
	return 0;
}

int cmd_reproduce(struct job *j, const struct cli *c, struct err *e)
{
	struct repro r = {.c = c, .j = j, .readdir_differs = -1};
	struct buf varied = {0};
	double t0 = io_now_ms();
	int rc = -1;

	r.v[0] = (struct variant){.tz = "UTC",
				  .lang = "C",
				  .umask = 022,
				  .order = COPY_NAME_ORDER,
				  .epoch = 1};
	r.v[1] = (struct variant){.tz = far_timezone(),
				  .lang = "C.UTF-8",
				  .umask = 077,
				  .order = COPY_REVERSE_ORDER};
	lock_init(&r.lk[0]);
	lock_init(&r.lk[1]);
	/* The copies are of the start directory, which holds the spec (and
	 * the workdir it names): each build resolves its job from there. */
	if (job_leave(j) < 0) {
		err_sys(e, errno, "returning to the starting directory");
		goto out;
	}
	if (plan_excludes(&r, e) < 0 || make_copies(&r, e) < 0)
		goto out;
	/* A SOURCE_DATE_EPOCH the configuration sets is kept in both. */
	if (what_build_sees(&r, 1, e) < 0)
		goto out;
	r.v[0].epoch = strcmp(r.v[1].seen_epoch, "unset") == 0;
	for (int i = 0; i < 2; i++)
		if (what_build_sees(&r, i, e) < 0)
			goto out;
	for (int i = 0; i < 2; i++) {
		msg_info("reproduce: build %d of 2 in %s", i + 1, r.v[i].dir);
		if (build_in_child(&r, i, e) < 0) {
			msg_info("reproduce: build %d of 2 failed after "
				 "%.2f s",
				 i + 1, r.v[i].seconds);
			goto out;
		}
		if (lock_load(r.v[i].lock, &r.lk[i], e) < 0)
			goto out;
		msg_info("reproduce: build %d of 2: %zu files in %.2f s", i + 1,
			 r.lk[i].n, r.v[i].seconds);
	}
	if (describe_variation(&r, &varied) < 0 || compare(&r, e) < 0)
		goto out;
	if (r.ndiff == 0 &&
	    buf_printf(&r.out,
		       "reproducible: both builds made the same %zu files\n",
		       r.lk[0].n) < 0) {
		err_sys(e, ENOMEM, "reproduce");
		goto out;
	}
	/* With --report -, standard output is the JSON's. */
	if (io_write_all(c->report != NULL && report_is_stdout(c->report)
				 ? STDERR_FILENO
				 : STDOUT_FILENO,
			 r.out.p, r.out.len) < 0) {
		err_sys(e, errno, "writing to standard output");
		goto out;
	}
	if (c->report != NULL && render_report(&r, &varied, e) < 0)
		goto out;
	msg_info("reproduce: done in %.2f s", (io_now_ms() - t0) / 1e3);
	if (r.ndiff > 0) {
		err_set(e, ERR_VERIFY, NULL, 0, 0,
			"the two builds differ in %zu file%s", r.ndiff,
			r.ndiff == 1 ? "" : "s");
		err_hint(e, "the lines above show what changed; usual causes "
			    "are build times (honour SOURCE_DATE_EPOCH), "
			    "random values, absolute paths, the locale or "
			    "time zone, and directory order");
		goto out;
	}
	rc = 0;
out:
	if (r.work[0] != '\0' && io_remove_tree(r.work) < 0)
		msg_warn("reproduce: could not remove %s: %s", r.work,
			 strerror(errno));
	buf_free(&varied);
	buf_free(&r.out);
	buf_free(&r.json);
	lock_free(&r.lk[0]);
	lock_free(&r.lk[1]);
	free_excludes(&r);
	return rc;
}
