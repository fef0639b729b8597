/*
 * tree_hash_scan: the walk (tree_walk.c), then the hashing pass
 * (tree_hash.c), with a monitor thread, when a deadline or a progress
 * callback asks for one, that watches the clock: the walk and the readers
 * look at one flag it sets. Also the root pins that keep a build from
 * swapping an output root for a link.
 */
#include "tree_pass.h"

#include "arena.h"
#include "beneath.h"
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int finding_cmp(const void *pa, const void *pb)
{
	const struct tree_finding *a = pa, *b = pb;
	int c = strcmp(a->path, b->path);

	if (c != 0)
		return c;
	return a->kind < b->kind ? -1 : a->kind > b->kind;
}

void tree_pin_roots(const char *const *roots, size_t n, struct tree_pin *pins)
{
	for (size_t i = 0; i < n; i++) {
		int fd = beneath_open(AT_FDCWD, roots[i], O_PATH | O_DIRECTORY,
				      0);
		struct stat st;

		memset(&pins[i], 0, sizeof pins[i]);
		if (fd >= 0) {
			(void)close(fd);
			continue;
		}
		if (errno != ELOOP && errno != EXDEV)
			continue; /* missing or not a directory yet */
		/* Named through a link: pinned to where it leads now. */
		if (stat(roots[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			pins[i].link = 1;
			pins[i].dev = (uint64_t)st.st_dev;
			pins[i].ino = (uint64_t)st.st_ino;
		}
	}
}

int tree_open_root(const char *root, const struct tree_pin *pin)
{
	struct stat st;
	int fd;

	if (pin == NULL || pin->link) {
		do
			fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		while (fd < 0 && errno == EINTR);
		if (fd < 0 || pin == NULL)
			return fd;
		if (fstat(fd, &st) < 0 || (uint64_t)st.st_dev != pin->dev ||
		    (uint64_t)st.st_ino != pin->ino) {
			(void)close(fd);
			errno = ESTALE;
			return -1;
		}
		return fd;
	}
	return beneath_open(AT_FDCWD, root, O_RDONLY | O_DIRECTORY, 0);
}

/* Length of root's name as a prefix of path, or -1: "." holds every
 * relative path; "./" and trailing slashes are not part of the name. */
static long root_prefix(const char *root, const char *path)
{
	size_t n;

	while (root[0] == '.' && root[1] == '/') {
		root += 2;
		while (*root == '/')
			root++;
	}
	n = strlen(root);
	while (n > 1 && root[n - 1] == '/')
		n--;
	if (n == 0 || (n == 1 && root[0] == '.'))
		return path[0] == '/' ? -1 : 0;
	if (strncmp(root, path, n) != 0 || path[n] != '/')
		return -1;
	return (long)n + 1;
}

int tree_out_parent(const char *const *roots, size_t nroots,
		    const struct tree_pin *pins, const char *path, int create,
		    const char **leaf)
{
	long best = -1;
	size_t k = 0;
	int rootfd, fd;

	for (size_t i = 0; i < nroots; i++) {
		long n = root_prefix(roots[i], path);

		if (n > best) {
			best = n;
			k = i;
		}
	}
	if (best < 0)
		return beneath_parent(AT_FDCWD, path, create, leaf);
	rootfd = tree_open_root(roots[k], pins ? &pins[k] : NULL);
	if (rootfd < 0)
		return -1;
	fd = beneath_parent(rootfd, path + best, create, leaf);
	if (fd < 0) {
		int saved = errno;

		(void)close(rootfd);
		errno = saved;
		return -1;
	}
	(void)close(rootfd);
	return fd;
}

/* walk_bytes when the walk did not stat the files: the sizes fstat gave
 * the reading pass, every name counted. */
static void apparent_sizes(struct tree *t)
{
	t->walk_bytes = 0;
	for (size_t i = 0; i < t->nfiles; i++)
		if (t->files[i].error == 0 && S_ISREG(t->files[i].mode))
			t->walk_bytes += t->files[i].size;
}

/* ---- The monitor: the deadline and the progress display ---- */

struct monitor {
	const struct tree_opts *o;
	struct shared *sh;
	double t0;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	int done, running;
};

static struct timespec abs_time(double ms)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(ms / 1e3);
	ts.tv_nsec = (long)((ms - (double)ts.tv_sec * 1e3) * 1e6);
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

static void *monitor_run(void *arg)
{
	struct monitor *m = arg;
	const struct tree_opts *o = m->o;
	double every = o->progress_ms ? o->progress_ms : 250;
	double next = m->t0 + every;

	(void)pthread_mutex_lock(&m->mu);
	while (!m->done) {
		double now = io_now_ms(), wake = now + 60e3;
		struct timespec ts;

		if (o->deadline_ms > 0 && !stopped(m->sh)) {
			if (now >= o->deadline_ms)
				stop(m->sh, TREE_STOP_TIME);
			else if (o->deadline_ms < wake)
				wake = o->deadline_ms;
		}
		if (o->progress != NULL && now >= next) {
			struct tree_progress p = {0};
			struct shared *sh = m->sh;

			p.hashing = atomic_load_explicit(&sh->hashing,
							 memory_order_acquire);
			p.entries = atomic_load_explicit(&sh->entries,
							 memory_order_relaxed);
			p.files = atomic_load_explicit(&sh->files,
						       memory_order_relaxed);
			p.bytes = atomic_load_explicit(&sh->bytes,
						       memory_order_relaxed);
			if (p.hashing) {
				p.nfiles = sh->nfiles;
				p.total = sh->total;
				p.reading_ms = now - sh->read_t0;
			}
			p.elapsed_ms = now - m->t0;
			(void)pthread_mutex_unlock(&m->mu);
			o->progress(&p, o->progress_arg);
			(void)pthread_mutex_lock(&m->mu);
			next = now + every;
			continue;
		}
		if (o->progress != NULL && next < wake)
			wake = next;
		ts = abs_time(wake);
		(void)pthread_cond_timedwait(&m->cv, &m->mu, &ts);
	}
	(void)pthread_mutex_unlock(&m->mu);
	return NULL;
}

/* Starts the monitor when a deadline or a progress display needs one.
 * Returns 0, or -1 (no thread: the caller cannot keep the deadline). */
static int monitor_start(struct monitor *m)
{
	pthread_condattr_t ca;

	if (m->o->deadline_ms <= 0 && m->o->progress == NULL)
		return 0;
	if (pthread_condattr_init(&ca) != 0)
		return -1;
	/* The deadline is on io_now_ms's clock. */
	if (pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&m->cv, &ca) != 0) {
		(void)pthread_condattr_destroy(&ca);
		return -1;
	}
	(void)pthread_condattr_destroy(&ca);
	if (pthread_mutex_init(&m->mu, NULL) != 0) {
		(void)pthread_cond_destroy(&m->cv);
		return -1;
	}
	if (pthread_create(&m->thread, NULL, monitor_run, m) != 0) {
		(void)pthread_mutex_destroy(&m->mu);
		(void)pthread_cond_destroy(&m->cv);
		return -1;
	}
	m->running = 1;
	return 0;
}

static void monitor_stop(struct monitor *m)
{
	if (!m->running)
		return;
	(void)pthread_mutex_lock(&m->mu);
	m->done = 1;
	(void)pthread_cond_signal(&m->cv);
	(void)pthread_mutex_unlock(&m->mu);
	(void)pthread_join(m->thread, NULL);
	(void)pthread_mutex_destroy(&m->mu);
	(void)pthread_cond_destroy(&m->cv);
	m->running = 0;
}

/* Roots that overlap or nest record some directories and links twice:
 * each path is kept once. */
static int dir_cmp(const void *pa, const void *pb)
{
	return strcmp(((const struct tree_dir *)pa)->path,
		      ((const struct tree_dir *)pb)->path);
}

static int link_cmp(const void *pa, const void *pb)
{
	return strcmp(((const struct tree_link *)pa)->path,
		      ((const struct tree_link *)pb)->path);
}

static void unique_dirs_links(struct tree *t)
{
	size_t m = 0;

	if (t->ndirs > 1)
		qsort(t->dirs, t->ndirs, sizeof *t->dirs, dir_cmp);
	for (size_t i = 0; i < t->ndirs; i++)
		if (m == 0 || strcmp(t->dirs[m - 1].path, t->dirs[i].path) != 0)
			t->dirs[m++] = t->dirs[i];
	t->ndirs = m;
	m = 0;
	if (t->nlinks > 1)
		qsort(t->links, t->nlinks, sizeof *t->links, link_cmp);
	for (size_t i = 0; i < t->nlinks; i++)
		if (m == 0 ||
		    strcmp(t->links[m - 1].path, t->links[i].path) != 0)
			t->links[m++] = t->links[i];
	t->nlinks = m;
}

/*
 * The early pass reads files while the walk lists them (tree_pass.h), so
 * the walk must list them into a table that never moves: one allocated
 * for max_files entries, where the walk stops. Address space only, until
 * the walk writes to it (the allocator maps it, untouched pages cost
 * nothing). Taken for one root with a bound of at most 16M files and no
 * admit (which must see the whole set before anything is read); a table
 * that cannot be had leaves the pass as it was, read after the walk.
 */
#define EARLY_MAX_FILES ((size_t)1 << 24)

static void early_table(struct walk *w)
{
	const struct tree_opts *o = w->o;
	unsigned cpus = o->threads ? o->threads : io_cpus();

	if (o->nroots != 1 || o->admit != NULL || o->max_files == 0 ||
	    o->max_files > EARLY_MAX_FILES || cpus < 2)
		return;
	w->t->files = malloc(o->max_files * sizeof *w->t->files);
	if (w->t->files == NULL)
		return;
	w->capfiles = o->max_files;
	w->fixed_files = 1;
}

/* Gives back the part of an early table the walk did not fill. */
static void shrink_table(struct tree *t)
{
	struct tree_file *f =
		realloc(t->files, (t->nfiles ? t->nfiles : 1) * sizeof *f);

	if (f != NULL)
		t->files = f;
}

int tree_hash_scan(const struct tree_opts *o, struct tree *out, struct err *e)
{
	struct walk w = {.o = o, .t = out};
	struct shared sh;
	struct monitor mon = {.o = o, .sh = &sh};
	struct root *roots = NULL;
	int *rootfd = NULL;
	int rc = -1;
	double t0 = io_now_ms();

	memset(out, 0, sizeof *out);
	atomic_init(&sh.stop, TREE_COMPLETE);
	atomic_init(&sh.hashing, 0);
	atomic_init(&sh.entries, 0);
	atomic_init(&sh.files, 0);
	atomic_init(&sh.bytes, 0);
	sh.nfiles = 0;
	sh.total = 0;
	sh.read_t0 = 0;
	w.sh = &sh;
	mon.t0 = t0;
	/* A deadline already passed stops the pass before it starts, even
	 * before the monitor has looked at the clock. */
	if (o->deadline_ms > 0 && t0 >= o->deadline_ms)
		stop(&sh, TREE_STOP_TIME);
	if (monitor_start(&mon) < 0)
		goto out;
	out->arena = calloc(1, sizeof *out->arena);
	if (out->arena == NULL)
		goto out;
	out->arena->chunk = PATH_CHUNK;
	w.dirbuf = malloc(DIR_BUF);
	w.excl = calloc(o->nexclude ? o->nexclude : 1, sizeof *w.excl);
	roots = calloc(o->nroots ? o->nroots : 1, sizeof *roots);
	rootfd = malloc((o->nroots ? o->nroots : 1) * sizeof *rootfd);
	if (w.dirbuf == NULL || w.excl == NULL || roots == NULL ||
	    rootfd == NULL)
		goto out;
	for (size_t i = 0; i < o->nroots; i++)
		roots[i].fd = rootfd[i] = -1;
	for (size_t i = 0; i < o->nexclude; i++) {
		w.excl[i] = tree_walk_normalise(o->exclude[i]);
		if (w.excl[i] == NULL)
			goto out;
		w.nexcl = i + 1;
	}
	for (size_t i = 0; i < o->nroots; i++) {
		struct root *r = &roots[i];
		char *name = tree_walk_normalise(o->roots[i]);

		if (name == NULL)
			goto out;
		r->name = name;
		r->index = i;
		r->len = strcmp(name, ".") == 0	  ? 0
			 : strcmp(name, "/") == 0 ? 1
						  : strlen(name) + 1;
		/* A root may be a symlink where the spec named it so; one
		 * the build made is never followed. */
		r->fd = tree_open_root(name, o->pins ? &o->pins[i] : NULL);
		if (r->fd < 0)
			r->fd = -errno;
		rootfd[i] = r->fd;
	}
	qsort(roots, o->nroots, sizeof *roots, tree_walk_root_cmp);
	if (o->hash) {
		early_table(&w);
		if (tree_hash_begin(&w, rootfd) < 0)
			goto out;
	}
	for (size_t i = 0; i < o->nroots && !w.oom; i++)
		tree_walk_root(&w, &roots[i]);
	tree_hash_publish(&w, 1);
	if (w.oom)
		goto out;
	/* One root's walk is in order by construction; several may overlap
	 * or nest. */
	for (size_t i = 1; o->nroots > 1 && i < out->nfiles; i++)
		if (strcmp(out->files[i - 1].path, out->files[i].path) >= 0) {
			if (tree_walk_sort(&w) < 0)
				goto out;
			break;
		}
	if (o->nroots > 1 && (out->ndirs > 1 || out->nlinks > 1))
		unique_dirs_links(out);
	out->walk_ms = io_now_ms() - t0;
	/* Early, the hashing pass matches links with their targets once
	 * its first round is over (tree_hash_all). */
	if (o->hash && !stopped(&sh) && !w.fixed_files) {
		if (tree_link_aliases(&w) < 0)
			goto out;
		if (o->admit != NULL && o->admit(out, o->admit_arg) != 0)
			stop(&sh, TREE_STOP_ADMIT);
		if (o->deadline_ms > 0 && io_now_ms() >= o->deadline_ms)
			stop(&sh, TREE_STOP_TIME);
	}
	/* Readers that began during the walk are waited for even when it
	 * stopped. */
	if (o->hash && (!stopped(&sh) || w.fixed_files)) {
		t0 = io_now_ms();
		sh.nfiles = out->nfiles;
		/* Known only when the walk stat'ed the files (admit). */
		sh.total = o->admit != NULL ? out->walk_bytes : 0;
		sh.read_t0 = t0;
		atomic_store_explicit(&sh.hashing, 1, memory_order_release);
		if (tree_hash_all(&w) < 0)
			goto out;
		if (o->admit == NULL)
			apparent_sizes(out);
		out->hash_ms = io_now_ms() - (w.read_t0 > 0 ? w.read_t0 : t0);
	}
	if (w.fixed_files)
		shrink_table(out);
	out->stopped = (enum tree_stop)atomic_load(&sh.stop);
	out->entries = w.entries;
	if (out->nfindings > 1)
		qsort(out->findings, out->nfindings, sizeof *out->findings,
		      finding_cmp);
	rc = 0;
out:
	tree_hash_end(&w);
	monitor_stop(&mon);
	for (size_t i = 0; i < o->nroots && roots != NULL; i++) {
		if (roots[i].fd >= 0)
			(void)close(roots[i].fd);
		free(roots[i].name);
	}
	tree_walk_free(&w);
	free(roots);
	free(rootfd);
	if (rc < 0) {
		tree_free(out);
		err_sys(e, ENOMEM, "walking the output tree");
	}
	return rc;
}

void tree_free(struct tree *t)
{
	if (t->arena == NULL)
		for (size_t i = 0; i < t->nfiles; i++)
			free(t->files[i].path);
	else
		arena_free(t->arena);
	free(t->arena);
	for (size_t i = 0; i < t->nfindings; i++) {
		free(t->findings[i].path);
		free(t->findings[i].detail);
	}
	free(t->files);
	free(t->dirs);
	free(t->links);
	free(t->findings);
	free(t->hits);
	memset(t, 0, sizeof *t);
}

const struct tree_file *tree_find(const struct tree *t, const char *path)
{
	size_t lo = 0, hi = t->nfiles;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(t->files[mid].path, path);

		if (c == 0)
			return &t->files[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}
