/*
 * `cleanroom run`: the whole job. Phases, each timed on stderr: env (the
 * configuration and the build's environment), sandbox (probe and plan),
 * build (supervised, in the sandbox), verify (the output set), lock
 * (written only when every check passed). The data flows one way: spec and
 * env files → policy → plan → supervise → verify → lock and report.
 */
#include "commands.h"
#include "run.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <nettle/sha2.h>

#include "beneath.h"
#include "buildhome.h"
#include "config.h"
#include "ctime_sweep.h"
#include "job.h"
#include "leftover.h"
#include "plan.h"
#include "freshness.h"
#include "imagebuild.h"
#include "io.h"
#include "msg.h"
#include "policy.h"
#include "provenance.h"
#include "refusal.h"
#include "report.h"
#include "sandbox.h"
#include "supervise.h"
#include "verify.h"
#include "version.h"

struct run {
	struct job *j;
	const struct run_opts *o;
	struct sandbox_status st;
	struct sandbox_prepared *prep;
	struct supervise_result sr;
	struct verify_result vr;
	struct tree before;
	struct lock prev; /* the lock before the build */
	int have_prev;
	char tmpdir[64];
	struct build_home home; /* with plan.sb.private_home */
	char stamp[65]; /* start's freshness stamp, "" when not recorded */
	struct buf stamp_parts; /* what it was made of (freshness.h) */
	/* Before the build made its writable directories (Vite's are in
	 * node_modules): a package.json and no package in node_modules. */
	int no_node_modules;
	char **envp; /* the policy's plus TMPDIR */
	const char **argv;
	const char **masks;
	size_t nmasks;
	const char **withheld;
	const char *watch[32]; /* network and write signs watched for */
	struct scan_secret *secrets;
	size_t nsecrets;
	char *lock_path;
	/* The provenance statement (provenance.h), NULL when off; what it
	 * says of the inputs, read before the build; the sandbox line. */
	char *prov_path;
	struct provenance_deps deps;
	unsigned char spec_sha256[32];
	time_t started;
	struct buf summary;
	struct tree_pin *pins; /* what each output root was before the build */
	struct tree_pin *scratch_pins; /* and each writable dir of the spec */
	int have_before, built, verified;
	int probed; /* st holds the sandbox's layers */
	/* The ctime sweep (ctime_sweep.h): begun just before the build when
	 * it keeps uid 0, run after it; why not, when it is off. */
	struct ctime_sweep *cs;
	struct ctime_result cr;
	int swept;
	const char *ctime_off;
};

static int nomem(struct err *e)
{
	return err_sys(e, ENOMEM, "run");
}

/* What a killed cleanroom left, said once per sweep. */
static void note_swept(size_t n, const char *what)
{
	if (n > 0)
		msg_info("removed %zu %s left by a cleanroom that was killed",
			 n, what);
}

/* The directories the plan names, and a private TMPDIR added to it,
 * named with this process's pid (leftover.h) after the scratch
 * directories of killed cleanrooms are gone. */
static int make_dirs(struct run *r, struct err *e)
{
	size_t swept = 0;

	if (plan_make_dirs(&r->j->cfg, e) < 0)
		return -1;
	if (leftover_sweep_scratch(&swept) < 0)
		msg_debug("sweeping %s: %s", LEFTOVER_SCRATCH_DIR,
			  strerror(errno));
	note_swept(swept,
		   swept == 1 ? "scratch directory" : "scratch directories");
	if (leftover_scratch_template(r->tmpdir, sizeof r->tmpdir) < 0 ||
	    mkdtemp(r->tmpdir) == NULL) {
		r->tmpdir[0] = '\0';
		return err_sys(e, errno, "creating the private TMPDIR");
	}
	if (plan_add_writable(&r->j->plan, r->tmpdir, e) < 0)
		return -1;
	if (!r->j->plan.sb.private_home)
		return 0;
	if (build_home_make(&r->home, r->tmpdir, e) < 0)
		return -1;
	if (!r->home.stable)
		msg_info("another cleanroom holds %s: the build's HOME is %s",
			 PLAN_HOME, r->home.path);
	return plan_add_writable(&r->j->plan, r->home.path, e);
}

/* 1 when envp entry v is cleanroom's to set: TMPDIR always, HOME when
 * the build gets a private one. */
static int is_ours(const struct run *r, const char *v)
{
	return strncmp(v, "TMPDIR=", 7) == 0 ||
	       (r->home.made && strncmp(v, "HOME=", 5) == 0);
}

/* The child's environment: the policy's, plus TMPDIR, plus the private
 * HOME in place of the caller's. */
static int make_env(struct run *r, struct err *e)
{
	size_t n = 0, k = 0;

	while (r->j->pol.envp[n] != NULL)
		n++;
	r->envp = calloc(n + 3, sizeof *r->envp);
	if (r->envp == NULL)
		return nomem(e);
	for (size_t i = 0; i < n; i++)
		if (!is_ours(r, r->j->pol.envp[i]))
			r->envp[k++] = r->j->pol.envp[i];
	if (asprintf(&r->envp[k], "TMPDIR=%s", r->tmpdir) < 0) {
		r->envp[k] = NULL;
		return nomem(e);
	}
	k++;
	if (r->home.made &&
	    asprintf(&r->envp[k], "HOME=%s", r->home.path) < 0) {
		r->envp[k] = NULL;
		return nomem(e);
	}
	return 0;
}

/* Whether the exec-form program name w is several words quoted as one
 * (`cleanroom run -- 'yarn build'`): it has a blank and no program of
 * that name exists (a path as given, else in PATH). */
static int quoted_words(const char *w)
{
	const char *path = getenv("PATH");

	if (strpbrk(w, " \t") == NULL)
		return 0;
	if (strchr(w, '/') != NULL)
		return access(w, F_OK) < 0;
	if (path == NULL)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (const char *p = path;;) {
		size_t len = strcspn(p, ":");
		char *f;

		if (asprintf(&f, "%.*s/%s", (int)len, len ? p : ".", w) >= 0) {
			int there = access(f, F_OK) == 0;

			free(f);
			if (there)
				return 0;
		}
		if (p[len] == '\0')
			break;
		p += len + 1;
	}
	return 1;
}

static int make_argv(struct run *r, struct err *e)
{
	const struct spec *s = &r->j->cfg.spec;

	if (!s->command.set || s->command.n == 0) {
		err_set(e, ERR_USAGE, NULL, 0, 0, "no build command");
		err_hint(e, "give it after --, or as `command:` in the spec, "
			    "or let a framework preset apply");
		return -1;
	}
	r->argv = calloc(s->command.n + 3, sizeof *r->argv);
	if (r->argv == NULL)
		return nomem(e);
	if (!s->command_shell && quoted_words(s->command.v[0].s)) {
		const char *w = s->command.v[0].s;

		err_set(e, ERR_USAGE, NULL, 0, 0,
			"'%s' is taken as one program name: the words were "
			"quoted together, and no program has that name",
			w);
		err_hint(
			e,
			"give the words unquoted after --: cleanroom run -- %s "
			"(or `command: \"%s\"` in the spec, run by sh)",
			w, w);
		return -1;
	}
	if (s->command_shell) {
		r->argv[0] = "/bin/sh";
		r->argv[1] = "-c";
		r->argv[2] = s->command.v[0].s;
		return 0;
	}
	for (size_t i = 0; i < s->command.n; i++)
		r->argv[i] = s->command.v[i].s;
	return 0;
}

/* Secret values to mask and to search for; withheld names for the hint.
 * The caller's secret values are masked too, searched for not
 * (policy.h). */
static int make_secrets(struct run *r, struct err *e)
{
	const struct vars *cs = &r->j->pol.caller_secrets;
	size_t nm = 0, nw = 0;

	r->masks = calloc(r->j->pol.n + cs->n + 1, sizeof *r->masks);
	r->withheld = calloc(r->j->pol.n + 1, sizeof *r->withheld);
	r->secrets = calloc(r->j->pol.n + 1, sizeof *r->secrets);
	if (r->masks == NULL || r->withheld == NULL || r->secrets == NULL)
		return nomem(e);
	for (size_t i = 0; i < r->j->pol.n; i++) {
		const struct policy_var *v = &r->j->pol.v[i];

		if (!v->secret)
			continue;
		r->masks[nm++] = v->value;
		r->secrets[r->nsecrets++] =
			(struct scan_secret){v->name, v->value, v->len};
		if (v->withheld)
			r->withheld[nw++] = v->name;
	}
	for (size_t i = 0; i < cs->n; i++)
		r->masks[nm++] = cs->v[i].value;
	r->nmasks = nm;
	return 0;
}

static int apply_sandbox(void *arg, int errfd)
{
	return sandbox_apply(arg, errfd);
}

static void remove_tree(const char *dir);

/* With a build user (the default one, or `user:`), the build must own
 * what it may write: the output roots,
 * scratch dirs and TMPDIR, with what is already in them. back: after the
 * build, give everything back to cleanroom's own ids, so that a later run
 * without `user:` (capabilities dropped, so no DAC override) can write.
 * Never through a link: the build may have put one in any of these
 * places, and following it would hand over a tree outside, as root. */
/* The directory a writable path names: itself, or where the links in it
 * lead when that is beneath the workdir (an output root configured
 * through a link, pub/assets -> ../real/assets). Never elsewhere: a link
 * a build left in a writable place must not hand over a tree outside. */
static const char *handed_path(const struct run *r, const char *path,
			       char real[PATH_MAX])
{
	size_t wl = strlen(r->j->wd_abs);

	if (realpath(path, real) == NULL || strcmp(real, path) == 0)
		return path;
	if (strncmp(real, r->j->wd_abs, wl) == 0 && real[wl] == '/')
		return real;
	return path;
}

static int chown_writable(struct run *r, int back, struct err *e)
{
	uid_t uid;
	gid_t gid;

	if (!sandbox_user_ids(r->prep, &uid, &gid))
		return 0;
	/* Every writable tree is given over whole, files too: build tools
	 * write over an output that is already there (webpack's manifest,
	 * a start that rebuilds over the image's assets), and caches are
	 * updated in place. An entry that has the ids already is never
	 * touched (on overlayfs a chown copies a file up into the layer,
	 * so only files that were there before the build cost anything). */
	if (back) {
		uid = geteuid();
		gid = getegid();
	}
	for (size_t i = 0; i < r->j->plan.sb.nwritable; i++) {
		char real[PATH_MAX];
		const char *p;

		p = handed_path(r, r->j->plan.sb.writable[i], real);
		if (beneath_chown_tree(AT_FDCWD, p, uid, gid) == 0)
			continue;
		/* After the build, a link where a directory was: the build
		 * swapped it (verification says so); what is behind it is
		 * not followed, and stays the build's. */
		if (back && errno == ELOOP) {
			msg_warn("%s: not given back to uid %ld: a link on the "
				 "way",
				 p, (long)uid);
			continue;
		}
		return err_sys(e, errno, "giving %s to uid %ld", p, (long)uid);
	}
	return 0;
}

/* The private TMPDIR, whatever the build left in it: beneath /tmp (as
 * mkdtemp found it), so that a link the build made is removed rather than
 * followed, and through directories it made unreadable. */
static void remove_tree(const char *dir)
{
	size_t plen = strlen(LEFTOVER_SCRATCH_DIR);
	int dfd;

	if (dir[0] == '\0')
		return;
	if (strncmp(dir, LEFTOVER_SCRATCH_DIR "/", plen + 1) != 0 ||
	    (dfd = open(LEFTOVER_SCRATCH_DIR,
			O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		msg_warn("could not remove %s", dir);
		return;
	}
	if (beneath_remove_tree(dfd, dir + plen + 1) < 0)
		msg_warn("could not remove %s: %s", dir, strerror(errno));
	(void)close(dfd);
}

/* Temporary locks of killed cleanrooms beside the lock: before the
 * build, and again after it, so that none is there when the outputs are
 * verified (verification reports any that are). */
static void sweep_lock_temps(struct run *r)
{
	size_t swept = 0;

	if (leftover_sweep_locks(r->j->roots, r->j->nroots, r->pins,
				 r->lock_path, &swept) < 0)
		msg_debug("sweeping temporary locks: %s", strerror(errno));
	note_swept(swept, swept == 1 ? "temporary lock" : "temporary locks");
}

/* One note per variable whose name looks secret but whose value was set
 * in the open (policy.h): it is treated as a placeholder, and a user who
 * put a real secret there learns that it is neither masked nor searched
 * for. */
static void note_placeholders(const struct job *j)
{
	for (size_t i = 0; i < j->pol.n; i++) {
		const struct policy_var *v = &j->pol.v[i];

		if (!v->placeholder)
			continue;
		if (v->source == SRC_FLAG)
			msg_info("note: %s looks secret (%s) but is given with "
				 "--set, in the open: its value is taken as a "
				 "placeholder, neither masked nor searched for "
				 "in the outputs (--secret %s if it is real)",
				 v->name, v->lookalike, v->name);
		else
			msg_info("note: %s looks secret (%s) but is set in "
				 "%s:%u, in the open: its value is taken as a "
				 "placeholder, neither masked nor searched for "
				 "in the outputs (list it under env.secret if "
				 "it is real)",
				 v->name, v->lookalike,
				 v->file ? v->file : "the spec", v->line);
	}
}

/* After a failed build: which withheld names its output mentioned. */
static void withheld_hint(const struct run *r)
{
	for (size_t i = 0; i < r->sr.nnamed; i++) {
		const char *name = r->sr.named[i];
		const struct policy_var *v = NULL;

		for (size_t k = 0; k < r->j->pol.n; k++)
			if (strcmp(r->j->pol.v[k].name, name) == 0)
				v = &r->j->pol.v[k];
		struct err why = {0};

		err_set(&why, ERR_CONFIG, NULL, 0, 0,
			"the build's output names %s, which is withheld "
			"(secret from %s:%u)",
			name, v && v->file ? v->file : "?", v ? v->line : 0);
		if (policy_browser_prefix(name) != NULL)
			/* The bundler puts it into the browser bundle: with
			 * --pass the scan would find it there and fail the
			 * build's verification. */
			err_hint(&why,
				 "a %s variable goes into the browser bundle, "
				 "so its value is public by design: --public "
				 "%s (env.public in the spec) gives it to the "
				 "build and keeps it out of the secret scan; "
				 "if it is a real secret, it must not be a %s "
				 "variable",
				 policy_browser_prefix(name), name,
				 policy_browser_prefix(name));
		else
			err_hint(&why,
				 "--pass %s gives it to the build, or --set "
				 "%s=placeholder gives it a stand-in value",
				 name, name);
		msg_error(&why);
	}
}

/*
 * What a refused network access looks like in a build's output. With
 * --network deny, seccomp makes socket() fail for every family but
 * AF_UNIX with EAFNOSUPPORT, so a name lookup through the resolver fails
 * as a temporary error (glibc and musl: EAI_AGAIN, "Temporary failure in
 * name resolution"; Node: "getaddrinfo EAI_AGAIN host") and a connect to
 * an address never gets a socket ("connect EAFNOSUPPORT" in Node,
 * "Address family not supported by protocol" from strerror). Where only
 * Landlock denies TCP (ABI 4 and later), connect() fails with EACCES. In a
 * network namespace with only loopback (Docker's default for this
 * harness, or netns) lookups fail and connects are refused or
 * unreachable. The strings are what npm, Node, curl, wget, pip, Bundler
 * and Python print for those errors; each is specific to networking, so
 * that a build which failed for another reason gets no wrong hint (plain
 * "EACCES" or "Permission denied" would match every file error).
 */
static const char *const network_signs[] = {
	"EAI_AGAIN",
	"ENOTFOUND",
	"ECONNREFUSED",
	"ENETUNREACH",
	"EHOSTUNREACH",
	"EAFNOSUPPORT",
	"connect EACCES",
	"getaddrinfo",
	"fetch failed",
	"Temporary failure in name resolution",
	"Name or service not known",
	"Could not resolve host",
	"unable to resolve host address",
	"Address family not supported by protocol",
	"Network is unreachable",
	"Failed to establish a new connection",
	"Connection refused",
};

/* Signs of a write the kernel refused, in tools' error messages: Landlock
 * answers EACCES (EROFS where a read-only mount comes first). Only looked
 * for when Landlock restricts writes, and only named when no network sign
 * explains the failure better. */
static const char *const write_signs[] = {
	"EACCES",
	"Permission denied",
	"EROFS",
	"Read-only file system",
};

/* Signs of a call seccomp refused with EPERM (strerror's text, Node's
 * lowercase form, the errno's name as Node and Ruby print it). Only
 * looked for when seccomp is on, and only named when no network sign
 * explains the failure better. */
static const char *const refused_signs[] = {
	"Operation not permitted",
	"operation not permitted",
	"EPERM",
};

/* Django's collectstatic without STATIC_ROOT ("You're using the
 * staticfiles app without having set the STATIC_ROOT setting to a
 * filesystem path."): its own words, which nothing else prints. */
static const char *const framework_signs[] = {
	"without having set the STATIC_ROOT setting",
};

#define NSIGNS(a) (sizeof(a) / sizeof((a)[0]))
_Static_assert(NSIGNS(network_signs) + NSIGNS(write_signs) +
			       NSIGNS(refused_signs) +
			       NSIGNS(framework_signs) <=
		       sizeof((struct run *)0)->watch /
			       sizeof((struct run *)0)->watch[0],
	       "struct run's watch array holds every sign");

/* The first watched string that is one of signs[0..n), or NULL. */
/* Where in the watched strings the first of signs[0..n) is, or -1. */
static long seen_at(const struct run *r, const char *const *signs, size_t n)
{
	for (size_t i = 0; i < r->sr.nwatched; i++)
		for (size_t k = 0; k < n; k++)
			if (strcmp(r->sr.watched[i], signs[k]) == 0)
				return (long)i;
	return -1;
}

static const char *seen_sign(const struct run *r, const char *const *signs,
			     size_t n)
{
	long i = seen_at(r, signs, n);

	return i < 0 ? NULL : r->sr.watched[i];
}

static int landlock_on(const struct run *r)
{
	const struct sandbox_layer *l = sandbox_layer_find(&r->st, "landlock");

	return l != NULL && l->state == LAYER_ON;
}

static int seccomp_on(const struct run *r)
{
	const struct sandbox_layer *l = sandbox_layer_find(&r->st, "seccomp");

	return l != NULL && l->state == LAYER_ON;
}

/* Which layer keeps the build off the network, as the sandbox line names
 * it, or NULL when the plan allows the network or no layer could deny
 * it (then a network error is the machine's, not the clean room's). */
static const char *network_denier(const struct run *r)
{
	const struct sandbox_layer *l;

	if (!r->j->plan.sb.deny_network)
		return NULL;
	if (seccomp_on(r))
		return r->j->plan.sb.allow_unix_sockets
			       ? "seccomp allows only AF_UNIX sockets"
			       : "seccomp allows no sockets but AF_UNIX pairs";
	l = sandbox_layer_find(&r->st, "netns");
	if (l != NULL && l->state == LAYER_ON)
		return "a network namespace with only loopback";
	l = sandbox_layer_find(&r->st, "landlock");
	if (l != NULL && l->state == LAYER_ON && r->st.landlock_abi >= 4)
		return "Landlock denies TCP connect";
	return NULL;
}

/* After a failed build whose output shows a refused network access. */
static void network_hint(const struct run *r)
{
	const char *how = network_denier(r);
	const char *sign = seen_sign(r, network_signs, NSIGNS(network_signs));
	struct err why = {0};

	if (how == NULL || sign == NULL)
		return;
	err_set(&why, ERR_CHILD, NULL, 0, 0,
		"the build tried to use the network (its output shows "
		"\"%s\"), and the network is denied in the clean room "
		"(--network deny: %s)",
		sign, how);
	err_hint(&why,
		 "install dependencies before cleanroom runs (e.g. RUN npm "
		 "ci, bundle install or pip install in an earlier step) and "
		 "build from them; or, if the build must download, "
		 "--network allow%s",
		 seccomp_on(r) && !r->j->plan.sb.allow_unix_sockets
			 ? "; if it needs only a local daemon's unix socket, "
			   "--allow-unix-sockets (or sandbox.unix_sockets: "
			   "true in the spec)"
			 : "");
	msg_error(&why);
}

/* After a failed build whose output is Django's own complaint that
 * STATIC_ROOT is unset: where to set it. */
static void static_root_hint(const struct run *r)
{
	const struct spec *s = &r->j->cfg.spec;
	const char *root = s->outputs.roots.n > 0 ? s->outputs.roots.v[0].s
						  : "staticfiles";
	struct buf shown = {0};
	struct err why = {0};

	if (seen_sign(r, framework_signs, NSIGNS(framework_signs)) == NULL)
		return;
	if (msg_escape(&shown, root, strlen(root), 0) < 0)
		return;
	err_set(&why, ERR_CONFIG, NULL, 0, 0,
		"Django's collectstatic needs STATIC_ROOT, and the settings "
		"do not set it");
	err_hint(&why,
		 "set it in settings.py to the output root cleanroom "
		 "verifies: STATIC_ROOT = BASE_DIR / \"%s\"",
		 shown.p ? shown.p : root);
	msg_error(&why);
	buf_free(&shown);
}

/* Whether ./node_modules holds no package: absent, or only dot entries
 * (the writable directories a preset made there, .vite and .cache). */
static int no_packages(void)
{
	DIR *d = opendir("node_modules");
	struct dirent *de;
	int none = 1;

	if (d == NULL)
		return errno == ENOENT;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.') {
			none = 0;
			break;
		}
	closedir(d);
	return none;
}

/* After a failed build of a Node project that has a package.json but no
 * node_modules: the dependencies were never installed, and inside the
 * clean room they cannot be (the network is denied). Not said when the
 * output shows a network refusal: network_hint says that better. */
static void node_modules_hint(const struct run *r)
{
	struct err why = {0};

	if (!r->no_node_modules ||
	    seen_sign(r, network_signs, NSIGNS(network_signs)) != NULL)
		return;
	err_set(&why, ERR_CONFIG, NULL, 0, 0,
		"there is a package.json but no package in node_modules: the "
		"build's "
		"dependencies are not installed");
	err_hint(&why, "run `npm ci` (or yarn install, pnpm install) before "
		       "cleanroom, in an earlier RUN step: the network is "
		       "denied inside the clean room");
	msg_error(&why);
}

/* After a failed build whose output shows a refused call, with seccomp
 * on: what the clean room refuses with EPERM that a build step might
 * try (chmod u+s, tar restoring owners as root, prlimit on its parent).
 * None of it can be allowed, so the hint says how to do without. */
static void refused_hint(const struct run *r)
{
	const char *sign = seen_sign(r, refused_signs, NSIGNS(refused_signs));
	uid_t uid;
	gid_t gid;
	struct err why = {0};

	if (!seccomp_on(r) || sign == NULL ||
	    seen_sign(r, network_signs, NSIGNS(network_signs)) != NULL)
		return;
	(void)sandbox_user_ids(r->prep, &uid, &gid);
	err_set(&why, ERR_CHILD, NULL, 0, 0,
		"the build was refused a call (its output shows \"%s\"): "
		"in the clean room no file may get a setuid or setgid mode "
		"(chmod, open, mkdir, mknod), files may be given to no "
		"owner but the build's (uid %ld, gid %ld), and no limit of "
		"another process may be set (prlimit)",
		sign, (long)uid, (long)gid);
	err_hint(&why, "an asset build needs none of these, and they cannot "
		       "be allowed: have the step keep owners and plain modes "
		       "(tar --no-same-owner --no-same-permissions, cp "
		       "without -p, chmod without s)");
	msg_error(&why);
}

/* The line of output where the first of signs[0..n) was seen, or "". */
static const char *sign_line(const struct run *r, const char *const *signs,
			     size_t n)
{
	long i = seen_at(r, signs, n);

	return i < 0 ? "" : r->sr.watched_line[i];
}

/* Whether text holds a secret value: such a path is not printed. */
static int holds_secret(const struct run *r, const char *text)
{
	for (size_t i = 0; i < r->nmasks; i++)
		if (r->masks[i] != NULL && r->masks[i][0] != '\0' &&
		    strstr(text, r->masks[i]) != NULL)
			return 1;
	return 0;
}

/* After a failed build whose output shows a refused write, with Landlock
 * restricting writes: where the build may write, and what to change. A
 * build's assets written outside the outputs are pointed at an output
 * root (verified and locked), never at --allow-write (which would ship
 * them unverified); a cache or scratch path at --allow-write. */
static void write_hint(const struct run *r)
{
	const struct spec *s = &r->j->cfg.spec;
	const char *sign = seen_sign(r, write_signs, NSIGNS(write_signs));
	struct buf where = {0}, path = {0}, root = {0};
	struct refusal rf;
	struct err why = {0};

	if (!landlock_on(r) || sign == NULL ||
	    seen_sign(r, network_signs, NSIGNS(network_signs)) != NULL)
		return;
	for (size_t i = 0; i < s->outputs.roots.n; i++)
		if (buf_printf(&where, "%s%s", where.len ? ", " : "",
			       s->outputs.roots.v[i].s) < 0)
			goto out;
	for (size_t i = 0; i < s->sandbox.writable.n; i++)
		if (buf_printf(&where, "%s%s", where.len ? ", " : "",
			       s->sandbox.writable.v[i].s) < 0)
			goto out;
	refusal_parse(sign_line(r, write_signs, NSIGNS(write_signs)),
		      r->j->wd_abs, &rf);
	if (rf.path[0] != '\0' && holds_secret(r, rf.path))
		rf.path[0] = '\0';
	if (rf.path[0] != '\0' &&
	    (msg_escape(&path, rf.path, strlen(rf.path), 0) < 0 ||
	     msg_escape(&root, rf.root, strlen(rf.root), 0) < 0))
		goto out;
	err_set(&why, ERR_CHILD, NULL, 0, 0,
		"the build was refused a write%s%s (its output shows "
		"\"%s\"): in the clean room it may write only to %s and its "
		"own TMPDIR",
		path.p ? " to " : "", path.p ? path.p : "", sign,
		where.p ? where.p : "its outputs");
	if (path.p != NULL && rf.asset && rf.beneath)
		err_hint(&why,
			 "if the build's assets go to %s, make it an output "
			 "root, so that they are verified and locked: --output "
			 "%s (outputs.root in the spec)",
			 root.p, root.p);
	else if (path.p != NULL)
		err_hint(&why,
			 "if %s is a cache or scratch file that the image "
			 "does not serve, --allow-write with its directory "
			 "(sandbox.writable) lets the build write there; if "
			 "it is an asset, make its directory an output root "
			 "(--output DIR) instead",
			 path.p);
	else
		err_hint(
			&why,
			"if the build writes its assets elsewhere, make that "
			"directory an output root (--output DIR, outputs.root) "
			"so that they are verified; a cache or scratch "
			"directory the image does not serve can be made "
			"writable with --allow-write DIR (sandbox.writable)");
	msg_error(&why);
out:
	buf_free(&where);
	buf_free(&path);
	buf_free(&root);
}

/*
 * The ctime sweep's plan, just before the build: on when the build keeps
 * uid 0 (decided by the ids the sandbox gives the build: `user: root`,
 * or cleanroom not root and no `user:`); a build of another uid cannot
 * chmod, touch or link root's files. The roots: the working tree, and the
 * system's directories (ctime_default_roots) or, when set, the spec's
 * sandbox.ctime_roots instead (relative ones beneath the workdir).
 * Skipped: the writable set (output roots, scratch dirs, TMPDIR: the
 * build may change them, and verification checks them), cleanroom's
 * state dir, and the system's churn (ctime_default_skips); /proc, /sys,
 * /dev, /tmp and /run are no roots.
 */
static int begin_sweep(struct run *r, struct err *e)
{
	const struct spec_list *given = &r->j->cfg.spec.sandbox.ctime_roots;
	const char **roots = NULL, **skip = NULL;
	size_t nroots = 0, nskip = 0, n = given->n;
	struct ctime_sweep_opts co = {0};
	char **own = NULL, *state = NULL;
	uid_t uid;
	gid_t gid;
	int rc = -1;

	(void)sandbox_user_ids(r->prep, &uid, &gid);
	if (uid != 0) {
		r->ctime_off = "not needed: the build did not run as uid 0";
		return 0;
	}
	for (size_t i = 0; ctime_default_roots[i]; i++)
		n++;
	roots = calloc(n + 1, sizeof *roots);
	own = calloc(given->n + 1, sizeof *own);
	skip = calloc(r->j->plan.sb.nwritable + n + 8, sizeof *skip);
	if (roots == NULL || own == NULL || skip == NULL ||
	    asprintf(&state, "%s/%s", r->j->wd_abs, JOB_STATE_DIR) < 0) {
		state = NULL;
		nomem(e);
		goto out;
	}
	roots[nroots++] = r->j->wd_abs;
	if (given->set) {
		for (size_t i = 0; i < given->n; i++) {
			const char *g = given->v[i].s;

			if (g[0] == '/')
				own[i] = strdup(g);
			else if (asprintf(&own[i], "%s/%s", r->j->wd_abs, g) <
				 0)
				own[i] = NULL;
			if (own[i] == NULL) {
				nomem(e);
				goto out;
			}
			roots[nroots++] = own[i];
		}
	} else
		for (size_t i = 0; ctime_default_roots[i]; i++)
			roots[nroots++] = ctime_default_roots[i];
	for (size_t i = 0; i < r->j->plan.sb.nwritable; i++)
		skip[nskip++] = r->j->plan.sb.writable[i];
	for (size_t i = 0; ctime_default_skips[i]; i++)
		skip[nskip++] = ctime_default_skips[i];
	skip[nskip++] = state;
	co.roots = roots;
	co.nroots = nroots;
	co.skip = skip;
	co.nskip = nskip;
	co.base = r->j->wd_abs;
	co.pin_base = 1;
	co.base_fd = r->j->wdfd;
	co.lenient_ancestors = !landlock_on(r);
	r->cs = ctime_sweep_begin(&co, e);
	rc = r->cs == NULL ? -1 : 0;
out:
	for (size_t i = 0; own != NULL && i < given->n; i++)
		free(own[i]);
	free(own);
	free(roots);
	free(skip);
	free(state);
	return rc;
}

/* After the build: the sweep, its cost on its phase line. */
static int run_sweep(struct run *r, struct err *e)
{
	double rate;

	if (r->cs == NULL)
		return 0;
	if (ctime_sweep_run(r->cs, &r->cr, e) < 0)
		return -1;
	r->swept = 1;
	rate = r->cr.ms > 0 ? (double)r->cr.inodes / (r->cr.ms / 1e3) : 0.0;

	if (r->cr.after > 0)
		msg_info("metadata: ctime sweep of %zu inodes outside the "
			 "writable set in %.0f ms (%.0f inodes/s), %zu changed "
			 "during the build, %zu changed after it (not the "
			 "build's)",
			 r->cr.inodes, r->cr.ms, rate, r->cr.changed,
			 r->cr.after);
	else
		msg_info("metadata: ctime sweep of %zu inodes outside the "
			 "writable set in %.0f ms (%.0f inodes/s), %zu changed "
			 "during the build",
			 r->cr.inodes, r->cr.ms, rate, r->cr.changed);
	return 0;
}

/* Who the build runs as, for a hint: "uid 65534 (cleanroom's default
 * build user, no groups)" or "uid 1000 (user app)". */
static void build_user_text(const struct run *r, char *out, size_t size)
{
	const struct sandbox_ids *ids = sandbox_prepared_ids(r->prep);

	if (ids->is_default)
		(void)snprintf(out, size,
			       "uid %ld (cleanroom's default build user, no "
			       "groups)",
			       (long)ids->uid);
	else
		(void)snprintf(out, size, "uid %ld (user %.64s)",
			       (long)ids->uid,
			       r->j->plan.sb.user ? r->j->plan.sb.user : "?");
}

/* The error for a path the build cannot get at: what it is, the path on
 * the way that refuses, and the key that lets the build in. what: "read",
 * "run". */
static void denied_error(const struct run *r, struct err *why,
			 enum err_kind kind, const char *what, const char *path,
			 const struct sandbox_denied *d)
{
	char who[128];
	struct buf p = {0}, b = {0};

	build_user_text(r, who, sizeof who);
	if (msg_escape(&p, path, strlen(path), 0) < 0 ||
	    msg_escape(&b, d->path, strlen(d->path), 0) < 0) {
		err_sys(why, ENOMEM, "run");
		goto out;
	}
	err_set(why, kind, NULL, 0, 0,
		"the build cannot %s %s: it runs as %s, and %s is mode %04o, "
		"owner uid %ld, group %ld",
		what, p.p, who, b.p, d->mode, (long)d->uid, (long)d->gid);
	err_hint(why,
		 "make %s readable in the image (chmod o+rX, or chown to uid "
		 "%ld), or keep the build as root with `sandbox: {user: "
		 "root}` in the spec (--user root), which costs the processes "
		 "limit and lets the build change modes and owners of the "
		 "image's files",
		 b.p, (long)sandbox_prepared_ids(r->prep)->uid);
out:
	buf_free(&p);
	buf_free(&b);
}

/* Before the build, as root: whether the build user can reach the
 * workdir and run the command (a pyenv or rbenv under a 0700 /root, an
 * app tree of mode 0700). Each is certain to fail the build, so it fails
 * here, naming the path. A command given to a shell is not looked at
 * (the shell finds it). */
static int access_precheck(struct run *r, struct err *e)
{
	const char *cmd = r->argv[0], *path = NULL;
	struct sandbox_denied d, first = {0};
	char cand[PATH_MAX];
	int rc;

	rc = sandbox_access_check(r->prep, r->j->wd_abs, R_OK | X_OK, &d);
	if (rc == 0) {
		denied_error(r, e, ERR_CONFIG, "enter the workdir",
			     r->j->wd_abs, &d);
		return -1;
	}
	if (strchr(cmd, '/') != NULL) {
		if (sandbox_access_check(r->prep, cmd, X_OK, &d) == 0) {
			denied_error(r, e, ERR_CONFIG, "run", cmd, &d);
			return -1;
		}
		return 0;
	}
	for (size_t i = 0; r->envp[i] != NULL; i++)
		if (strncmp(r->envp[i], "PATH=", 5) == 0)
			path = r->envp[i] + 5;
	if (path == NULL)
		path = "/usr/local/bin:/bin:/usr/bin";
	/* As execvp searches: a refused candidate is passed over, and the
	 * build fails only when no candidate can be run. */
	while (*path != '\0') {
		size_t n = strcspn(path, ":");

		if ((size_t)snprintf(cand, sizeof cand, "%.*s%s%s", (int)n,
				     path, n ? "/" : "", cmd) < sizeof cand) {
			rc = sandbox_access_check(r->prep, cand, X_OK, &d);
			if (rc == 1)
				return 0;
			if (rc == 0 && first.path[0] == '\0')
				first = d;
		}
		path += n;
		if (*path == ':')
			path++;
	}
	if (first.path[0] != '\0') {
		denied_error(r, e, ERR_CONFIG, "run", cmd, &first);
		return -1;
	}
	return 0;
}

/* After a failed build whose output shows "Permission denied" (or
 * EACCES) on a path the build user cannot read: that path, and what
 * grants it. Returns 1 when it said so (no write hint then). */
static int read_hint(const struct run *r)
{
	const char *sign = seen_sign(r, write_signs, NSIGNS(write_signs));
	struct refusal rf;
	struct sandbox_denied d;
	char abs[PATH_MAX];
	struct err why = {0};

	if (sign == NULL || !sandbox_prepared_ids(r->prep)->change)
		return 0;
	refusal_parse(sign_line(r, write_signs, NSIGNS(write_signs)),
		      r->j->wd_abs, &rf);
	if (rf.path[0] == '\0' || holds_secret(r, rf.path))
		return 0;
	if (rf.path[0] == '/')
		(void)snprintf(abs, sizeof abs, "%s", rf.path);
	else if ((size_t)snprintf(abs, sizeof abs, "%s/%s", r->j->wd_abs,
				  rf.path) >= sizeof abs)
		return 0;
	if (sandbox_access_check(r->prep, abs, R_OK, &d) == 0) {
		denied_error(r, &why, ERR_CHILD, "read", rf.path, &d);
		msg_error(&why);
		return 1;
	}
	return 0;
}

/* After the build, what its cgroup counted: processes the kernel killed
 * at the memory limit of the whole build (the build itself only sees a
 * SIGKILL), and forks refused at the processes limit. As the reason of a
 * failed build, or as a warning when the build got over it. */
static void limits_hint(const struct run *r, int failed)
{
	const struct spec_limits *l = &r->j->plan.sb.limits;
	struct err why = {0};

	if (r->sr.oom_kills > 0) {
		err_set(&why, ERR_CHILD, NULL, 0, 0,
			"the kernel killed %ld process%s of the build: "
			"together they used more than the memory limit of "
			"the whole build (%lld bytes, its cgroup)",
			r->sr.oom_kills, r->sr.oom_kills == 1 ? "" : "es",
			(long long)l->memory);
		err_hint(&why,
			 "raise sandbox.limits.memory (--limit memory=SIZE), "
			 "or have the build use less at once (fewer parallel "
			 "workers; Node: NODE_OPTIONS=--max-old-space-size)");
		if (failed)
			msg_error(&why);
		else
			msg_warn("%s", why.msg);
	}
	if (failed && r->sr.fork_refused > 0) {
		err_set(&why, ERR_CHILD, NULL, 0, 0,
			"the build was refused %ld fork%s at its processes "
			"limit (%lld processes and threads together, its "
			"cgroup)",
			r->sr.fork_refused, r->sr.fork_refused == 1 ? "" : "s",
			(long long)l->processes);
		err_hint(&why, "raise sandbox.limits.processes (--limit "
			       "processes=N), or run fewer parallel jobs");
		msg_error(&why);
	}
}

static int build(struct run *r, struct err *e)
{
	struct supervise_opts so = {0};

	if (sandbox_prepare(&r->j->plan.sb, &r->st, &r->prep, e) < 0 ||
	    access_precheck(r, e) < 0 || chown_writable(r, 0, e) < 0)
		return -1;
	so.argv = (char *const *)(void *)r->argv;
	so.envp = r->envp;
	so.workdir = r->j->wd_abs;
	so.child_setup = apply_sandbox;
	so.child_setup_arg = r->prep;
	so.timeout_ms = (long)r->j->cfg.spec.sandbox.timeout_ms;
	so.grace_ms = -1;
	so.drain_ms = -1;
	so.masks = r->masks;
	so.nmasks = r->nmasks;
	so.withheld = r->withheld;
	for (so.nwithheld = 0; r->withheld[so.nwithheld]; so.nwithheld++)
		;
	if (network_denier(r) != NULL)
		for (size_t i = 0; i < NSIGNS(network_signs); i++)
			r->watch[so.nwatch++] = network_signs[i];
	/* Refused writes (Landlock), and reads the build user may not
	 * make. */
	if (landlock_on(r) || sandbox_prepared_ids(r->prep)->change)
		for (size_t i = 0; i < NSIGNS(write_signs); i++)
			r->watch[so.nwatch++] = write_signs[i];
	if (seccomp_on(r))
		for (size_t i = 0; i < NSIGNS(refused_signs); i++)
			r->watch[so.nwatch++] = refused_signs[i];
	for (size_t i = 0; i < NSIGNS(framework_signs); i++)
		r->watch[so.nwatch++] = framework_signs[i];
	so.watch = r->watch;
	if (begin_sweep(r, e) < 0)
		return -1;
	so.quiet = msg_level() < MSG_NORMAL;
	so.stdout_to_stderr = r->o->stdout_to_stderr;
	so.pipes_to_build =
		sandbox_user_ids(r->prep, &so.build_uid, &so.build_gid);
	so.cgroup = &r->st.cgroup;
	so.cgroup_memory = r->j->plan.sb.limits.memory;
	so.cgroup_processes = r->j->plan.sb.limits.processes;
	if (supervise_run(&so, &r->sr, e) < 0)
		return -1;
	r->built = 1;
	return chown_writable(r, 1, e);
}

/* The lock as it is before the build: a build tool that empties its
 * output directory deletes it, and --expect-lock and the "changed since
 * the lock" report compare with it. */
/* What each root is now, before the build: afterwards a root is walked,
 * written and locked only if it is still that. */
static int pin_roots(struct run *r, struct err *e)
{
	r->pins = calloc(r->j->nroots + 1, sizeof *r->pins);
	if (r->pins == NULL)
		return nomem(e);
	tree_pin_roots(r->j->roots, r->j->nroots, r->pins);
	{
		const struct spec_list *w = &r->j->cfg.spec.sandbox.writable;
		const char **names = calloc(w->n + 1, sizeof *names);

		r->scratch_pins = calloc(w->n + 1, sizeof *r->scratch_pins);
		if (names == NULL || r->scratch_pins == NULL) {
			free(names);
			return nomem(e);
		}
		for (size_t i = 0; i < w->n; i++)
			names[i] = w->v[i].s;
		tree_pin_roots(names, w->n, r->scratch_pins);
		free(names);
	}
	return 0;
}

static int load_previous_lock(struct run *r, struct err *e)
{
	lock_init(&r->prev);
	r->lock_path = verify_lock_path(&r->j->cfg.spec);
	if (r->lock_path == NULL)
		return nomem(e);
	if (access(r->lock_path, F_OK) != 0)
		return 0;
	if (lock_load(r->lock_path, &r->prev, e) < 0)
		return -1;
	r->have_prev = 1;
	return 0;
}

/* The inputs the statement describes, as they are before the build (a
 * build without Landlock could change them): the spec's digest and the
 * dependency lock files of the workdir. */
static int read_inputs(struct run *r, struct err *e)
{
	struct buf skipped = {0};
	int rc;

	if (r->prov_path == NULL)
		return 0;
	if (r->j->cfg.spec_found) {
		struct sha256_ctx ctx;

		sha256_init(&ctx);
		sha256_update(&ctx, r->j->spec_text.len,
			      (const uint8_t *)(r->j->spec_text.p
							? r->j->spec_text.p
							: ""));
		sha256_digest(&ctx, 32, r->spec_sha256);
	}
	rc = provenance_deps_read(r->j->wdfd, &r->deps, &skipped, e);
	for (char *p = skipped.p, *nl; rc == 0 && p && (nl = strchr(p, '\n'));
	     p = nl + 1) {
		*nl = '\0';
		msg_warn("provenance: %s is not a regular file (a link?): its "
			 "digest is left out",
			 p);
	}
	buf_free(&skipped);
	return rc;
}

/* The statement of this build, staged beside its place while the lock is
 * being written (lock_thread); write_lock_and_provenance puts it in place
 * once the lock is, or removes the previous one when it could not be
 * staged. */
static int stage_provenance(struct run *r, const char *shown,
			    struct provenance_staged *ps, struct err *e)
{
	const struct spec *s = &r->j->cfg.spec;
	struct provenance_info pi = {0};
	struct buf text = {0}, names = {0};
	const char **given = NULL, **withheld = NULL, **cmd = NULL;
	size_t *offs = NULL, ng = 0, nw = 0;
	int rc = -1;

	while (r->envp[ng] != NULL)
		ng++;
	given = calloc(ng + 1, sizeof *given);
	offs = calloc(ng + 1, sizeof *offs);
	withheld = calloc(r->j->pol.n + 1, sizeof *withheld);
	cmd = calloc(s->command.n + 1, sizeof *cmd);
	if (given == NULL || offs == NULL || withheld == NULL || cmd == NULL)
		goto nomem;
	/* The names of the given variables, each entry cut at '=': the
	 * values never reach the statement. */
	for (size_t i = 0; i < ng; i++) {
		const char *eq = strchr(r->envp[i], '=');
		size_t n = eq ? (size_t)(eq - r->envp[i]) : strlen(r->envp[i]);

		offs[i] = names.len;
		if (buf_add(&names, r->envp[i], n) < 0 ||
		    buf_addc(&names, '\0') < 0)
			goto nomem;
	}
	for (size_t i = 0; i < ng; i++)
		given[i] = names.p + offs[i];
	for (size_t i = 0; i < r->j->pol.n; i++)
		if (r->j->pol.v[i].withheld)
			withheld[nw++] = r->j->pol.v[i].name;
	for (size_t i = 0; i < s->command.n; i++)
		cmd[i] = s->command.v[i].s;
	pi.lock = &r->vr.lock;
	pi.command = cmd;
	pi.ncommand = s->command.n;
	pi.shell = s->command_shell;
	pi.framework = spec_framework_name(s->framework);
	if (r->j->cfg.spec_found) {
		pi.spec_name = s->path;
		pi.spec_sha256 = r->spec_sha256;
	}
	pi.deps = &r->deps;
	pi.given = given;
	pi.ngiven = ng;
	pi.withheld = withheld;
	pi.nwithheld = nw;
	pi.version = version_cleanroom();
	pi.sandbox_summary = r->summary.p;
	pi.sandbox = &r->st;
	pi.started = r->started;
	pi.finished = time(NULL);
	errno = 0;
	if (provenance_format(&pi, &text) < 0) {
		err_sys(e, errno ? errno : ENOMEM, "%s", shown);
		goto fail;
	}
	rc = provenance_stage(r->prov_path, shown, r->j->roots, r->j->nroots,
			      &text, ps, e);
	if (rc < 0)
		goto fail;
	goto out;
nomem:
	nomem(e);
fail:
	rc = -1;
out:
	free(given);
	free(offs);
	free(withheld);
	free(cmd);
	buf_free(&names);
	buf_free(&text);
	return rc;
}

/* The lock's write, for a thread of its own: its fsyncs and rename are
 * most of what writing the two files costs, and the statement's text and
 * its temporary file do not depend on them. */
struct lock_job {
	int dfd;
	const char *leaf, *shown;
	const struct lock *lock;
	const struct lock_seen *seen;
	int rc;
	struct err e;
};

static void *lock_thread(void *arg)
{
	struct lock_job *lj = arg;

	lj->rc = lock_write_at(lj->dfd, lj->leaf, lj->shown, lj->lock, lj->seen,
			       &lj->e);
	return NULL;
}

/* The lock, then the statement: the statement is staged while the lock is
 * written and renamed into place only once the lock is, so that a failed
 * lock leaves the previous statement as it was (and a failed statement
 * leaves none that contradicts the new lock). */
static int write_lock_and_provenance(struct run *r, struct report_info *ri,
				     struct err *e)
{
	struct lock_job lj = {.dfd = -1,
			      .shown = ri->lock_path,
			      .lock = &r->vr.lock,
			      .seen = &r->vr.lock_seen};
	struct provenance_staged ps = {.file = {.parent = -1}};
	struct err pe = {0};
	pthread_t t;
	int threaded, staged = 0;

	lj.dfd = tree_out_parent(r->j->roots, r->j->nroots, r->pins,
				 r->lock_path, 0, &lj.leaf);
	if (lj.dfd < 0)
		return err_sys(e, errno, "%s", ri->lock_path);
	/* Without a thread (EAGAIN), the lock is written here first. */
	threaded = pthread_create(&t, NULL, lock_thread, &lj) == 0;
	if (!threaded)
		(void)lock_thread(&lj);
	if (r->prov_path != NULL && (threaded ? 1 : lj.rc == 0))
		staged =
			stage_provenance(r, ri->provenance_path, &ps, &pe) == 0;
	if (threaded)
		(void)pthread_join(t, NULL);
	(void)close(lj.dfd);
	if (lj.rc < 0) {
		provenance_unstage(&ps);
		*e = lj.e;
		return -1;
	}
	ri->lock_written = 1;
	if (r->prov_path == NULL)
		return 0;
	if (staged && provenance_commit(&ps, ri->provenance_path, &pe) == 0) {
		ri->provenance_written = 1;
		return 0;
	}
	/* The lock is new and this build has no statement: the previous
	 * one (of another output set) must not stay to contradict it. Not
	 * where it would have been an output (ERR_CONFIG): that file is not
	 * ours. */
	*e = pe;
	if (e->kind != ERR_CONFIG && provenance_remove(r->prov_path) < 0)
		msg_warn("%s: could not remove the previous statement: %s",
			 ri->provenance_path, strerror(errno));
	return -1;
}

static int verify_and_lock(struct run *r, struct err *e)
{
	struct verify_opts vo = {0};
	struct report_info ri = {0};
	struct buf text = {0}, shown = {0}, pshown = {0};
	const struct sandbox_layer *ll = sandbox_layer_find(&r->st, "landlock");
	int rc = -1;

	vo.spec = &r->j->cfg.spec;
	vo.previous_set = 1;
	vo.previous = r->have_prev ? &r->prev : NULL;
	vo.secrets = r->secrets;
	vo.nsecrets = r->nsecrets;
	vo.lock_path = r->lock_path;
	vo.strict = r->j->cfg.spec.sandbox.strict == 1;
	vo.lock_must_match = r->o->expect_lock;
	vo.before = r->have_before ? &r->before : NULL;
	vo.landlock = ll != NULL && ll->state == LAYER_ON;
	vo.pins = r->pins;
	vo.scratch_pins = r->scratch_pins;
	vo.ctime = r->swept ? &r->cr : NULL;
	vo.ctime_off = r->ctime_off;
	sweep_lock_temps(r);
	if (verify_outputs(&vo, &r->vr, e) < 0)
		return -1;
	r->verified = 1;
	ri = (struct report_info){
		.command_name = "run",
		.spec = &r->j->cfg.spec,
		.policy = &r->j->pol,
		.sandbox = &r->st,
		.built = 1,
		.build_status = r->sr.status,
		.build_ms = r->sr.duration_ms,
		.verify = &r->vr,
		.strict = vo.strict,
		.lock_path = job_shown(r->j, r->lock_path, &shown),
		.provenance_path =
			r->prov_path ? job_shown(r->j, r->prov_path, &pshown)
				     : NULL,
	};
	if (r->vr.passed && write_lock_and_provenance(r, &ri, e) < 0)
		goto out;
	if (report_human(&ri, &text) < 0) {
		nomem(e);
		goto out;
	}
	if (msg_level() >= MSG_NORMAL || !r->vr.passed)
		(void)io_write_all(STDERR_FILENO, text.p, text.len);
	if (r->o->report && report_json(&ri, &r->j->report) < 0) {
		nomem(e);
		goto out;
	}
	if (!r->vr.passed) {
		size_t n = findings_count(&r->vr.findings,
					  vo.strict ? FIND_WARN : FIND_ERROR);

		err_set(e, ERR_VERIFY, NULL, 0, 0,
			"verification failed: %zu finding%s; the lock was not "
			"written",
			n, n == 1 ? "" : "s");
		if (r->vr.metadata_changed > 0)
			err_hint(e,
				 "the build, running as uid 0, changed %zu "
				 "inode%s outside the writable set (chmod, "
				 "chown, touch, setxattr, link): a path it "
				 "must change goes into sandbox.writable "
				 "(--allow-write PATH); or run it as another "
				 "user (sandbox.user, --user NAME)",
				 r->vr.metadata_changed,
				 r->vr.metadata_changed == 1 ? "" : "s");
		goto out;
	}
	msg_info("lock: %s (%zu files)", ri.lock_path, r->vr.lock.n);
	if (ri.provenance_written)
		msg_info("provenance: %s", ri.provenance_path);
	rc = 0;
out:
	buf_free(&text);
	buf_free(&shown);
	buf_free(&pshown);
	return rc;
}

/* The report of a run that ended before verification: what the sandbox
 * was and how the build ended, as far as they got. Best effort: the run
 * has already failed, and the report keeps at least its status. */
static void report_unverified(struct run *r)
{
	struct report_info ri = {
		.command_name = "run",
		.spec = &r->j->cfg.spec,
		.policy = &r->j->pol,
		.sandbox = r->probed ? &r->st : NULL,
		.built = r->built,
		.build_status = r->built ? r->sr.status : 0,
		.build_ms = r->built ? r->sr.duration_ms : 0,
	};

	if (report_json(&ri, &r->j->report) < 0)
		buf_free(&r->j->report);
}

static void run_free(struct run *r)
{
	if (r->prep != NULL)
		sandbox_prepared_free(r->prep);
	if (r->built)
		supervise_result_free(&r->sr);
	if (r->verified)
		verify_result_free(&r->vr);
	ctime_sweep_free(r->cs);
	ctime_result_free(&r->cr);
	if (r->have_before)
		tree_free(&r->before);
	if (r->envp != NULL) {
		for (size_t i = 0; r->envp[i] != NULL; i++)
			if (is_ours(r, r->envp[i]))
				free(r->envp[i]);
		free(r->envp);
	}
	build_home_remove(&r->home);
	remove_tree(r->tmpdir);
	free(r->argv);
	free(r->masks);
	free(r->withheld);
	free(r->secrets);
	free(r->lock_path);
	free(r->prov_path);
	provenance_deps_free(&r->deps);
	buf_free(&r->summary);
	buf_free(&r->stamp_parts);
	free(r->pins);
	free(r->scratch_pins);
	lock_free(&r->prev);
}

/* The stamp `cleanroom start` compares, taken just before the build:
 * after the plan has created the output and writable directories
 * (app/assets/builds is inside the Rails preset's input app/assets), so
 * that the next start computes the same. A stamp that cannot be taken is
 * a warning: the build does not need it. */
static void take_stamp(struct run *r)
{
	struct err why = {0};

	if (freshness_stamp(r->j, r->stamp, &r->stamp_parts, &why) < 0) {
		r->stamp[0] = '\0';
		msg_warn("the freshness stamp for 'cleanroom start' will not "
			 "be recorded: %s",
			 why.msg);
	}
}

/* run_opts.learn: the command in the sandbox, then what it wrote. */
static int learn(struct run *r, struct err *e)
{
	int dfd, fd, rc;
	struct stat st;

	if (build(r, e) < 0)
		return -1;
	if (r->sr.status != 0) {
		err_set(e, ERR_CHILD, NULL, 0, 0, "%s failed (exit status %d)",
			r->argv[0], r->sr.status);
		e->status = r->sr.status;
		return -1;
	}
	dfd = open(r->tmpdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return err_sys(e, errno, "%s", r->tmpdir);
	fd = openat(dfd, RUN_LEARN_FILE,
		    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	(void)close(dfd);
	if (fd < 0)
		return err_sys(e, errno, "%s/%s", r->tmpdir, RUN_LEARN_FILE);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		(void)close(fd);
		return err_set(e, ERR_CHILD, NULL, 0, 0,
			       "%s: not a regular file", RUN_LEARN_FILE);
	}
	rc = io_read_fd(fd, 1u << 20, r->o->learn);
	(void)close(fd);
	return rc < 0 ? err_sys(e, errno, "%s", RUN_LEARN_FILE) : 0;
}

int run_build(struct job *j, const struct run_opts *o, struct err *e)
{
	struct run *r = calloc(1, sizeof *r);
	struct buf line = {0};
	const char *missing;
	double t0 = io_now_ms(), t;
	int rc = -1;

	if (r == NULL)
		return nomem(e);
	r->home.fd = -1;
	r->j = j;
	r->o = o;
	r->started = time(NULL);
	if (make_argv(r, e) < 0 || make_secrets(r, e) < 0 ||
	    provenance_path(&j->cfg.spec, &r->prov_path, e) < 0)
		goto out;
	imagebuild_warn_env_files(&j->cfg.spec.env.files);
	{
		size_t given = 0;

		while (j->pol.envp[given] != NULL)
			given++;
		msg_info("env: %zu variables for the build, %zu withheld",
			 given, j->pol.n - given);
	}
	note_placeholders(j);
	{
		struct stat st;

		r->no_node_modules = lstat("package.json", &st) == 0 &&
				     S_ISREG(st.st_mode) && no_packages();
	}
	t = io_now_ms();
	if (make_dirs(r, e) < 0 || make_env(r, e) < 0 ||
	    sandbox_probe(&j->plan.sb, &r->st, e) < 0)
		goto out;
	r->probed = 1;
	{
		/* Groups of killed cleanrooms, and what still ran in them. */
		size_t groups = 0, killed = 0;

		if (cgroup_sweep_stale(&r->st.cgroup, &groups, &killed) < 0)
			msg_debug("sweeping cgroups: %s", strerror(errno));
		if (groups > 0)
			msg_info("removed %zu cgroup%s left by a cleanroom "
				 "that was killed (%zu process%s still running "
				 "in %s killed)",
				 groups, groups == 1 ? "" : "s", killed,
				 killed == 1 ? "" : "es",
				 groups == 1 ? "it" : "them");
	}
	if (sandbox_summary(&r->st, &j->plan.sb, &line) < 0)
		goto out;
	msg_info("%s", line.p ? line.p : "sandbox: ?");
	if (line.p != NULL && buf_adds(&r->summary, line.p) < 0) {
		nomem(e);
		goto out;
	}
	if (j->plan.sb.strict && sandbox_missing(&r->st, &missing)) {
		err_set(e, ERR_SANDBOX, NULL, 0, 0,
			"sandbox layer '%s' is unavailable and --strict is set",
			missing);
		err_hint(e, "'cleanroom doctor' says why; without --strict "
			    "cleanroom runs with the layers it has");
		goto out;
	}
	if (o->learn != NULL) {
		rc = learn(r, e);
		goto out;
	}
	/* Before the snapshot: taking the stamp writes its stat cache. */
	if (o->record_stamp)
		take_stamp(r);
	if (pin_roots(r, e) < 0)
		goto out;
	{
		const struct sandbox_layer *ll =
			sandbox_layer_find(&r->st, "landlock");

		if ((ll == NULL || ll->state != LAYER_ON) &&
		    verify_snapshot(&j->cfg.spec, r->pins, &r->before, e) == 0)
			r->have_before = 1;
	}
	msg_debug("sandbox: planned in %.1f ms", io_now_ms() - t);
	if (load_previous_lock(r, e) < 0 || read_inputs(r, e) < 0)
		goto out;
	sweep_lock_temps(r);
	if (build(r, e) < 0)
		goto out;
	if (r->sr.forwarded != 0) {
		/* Stopped from outside (docker stop, Ctrl-C): whatever the
		 * build made of it, its outputs are not verified or locked. */
		err_set(e, ERR_CHILD, NULL, 0, 0,
			"interrupted by signal %d; the outputs were not "
			"verified and no lock was written",
			r->sr.forwarded);
		/* The build's own status when it failed (its trap may say
		 * more); 128+N when it exited 0 regardless. */
		e->status = r->sr.status != 0 ? r->sr.status
					      : EXIT_SIGNAL + r->sr.forwarded;
		goto out;
	}
	if (r->sr.status != 0) {
		if (r->sr.status != EXIT_TIMEOUT) {
			withheld_hint(r);
			network_hint(r);
			if (!read_hint(r))
				write_hint(r);
			refused_hint(r);
			static_root_hint(r);
			node_modules_hint(r);
		}
		limits_hint(r, 1);
		if (r->sr.timed_out)
			err_set(e, ERR_CHILD, NULL, 0, 0,
				"the build timed out; its whole process tree "
				"was killed");
		else
			err_set(e, ERR_CHILD, NULL, 0, 0,
				"the build failed (exit status %d)",
				r->sr.status);
		e->status = r->sr.status;
		goto out;
	}
	limits_hint(r, 0);
	if (run_sweep(r, e) < 0 || verify_and_lock(r, e) < 0)
		goto out;
	if (r->stamp[0] != '\0') {
		struct err why = {0};

		if (freshness_record(j, r->stamp, &r->stamp_parts, &why) < 0)
			msg_warn("the freshness stamp for 'cleanroom start' "
				 "was not recorded: %s",
				 why.msg);
	}
	msg_info("done in %.2f s", (io_now_ms() - t0) / 1e3);
	rc = 0;
out:
	if (rc < 0 && o->report && j->report.len == 0)
		report_unverified(r);
	buf_free(&line);
	run_free(r);
	free(r);
	return rc;
}

int cmd_run(struct job *j, const struct cli *c, struct err *e)
{
	/* With the spec's or the preset's command (given after -- in the
	 * same words or not at all), the build is the one `cleanroom start`
	 * would run: its stamp, taken before the build, is recorded after a
	 * verified build so that start finds it fresh. */
	struct run_opts o = {
		.expect_lock = c->expect_lock,
		.report = c->report != NULL,
		.stdout_to_stderr =
			c->report != NULL && report_is_stdout(c->report),
		.record_stamp =
			c->argv == NULL || config_command_is_start(&j->cfg),
	};

	return run_build(j, &o, e);
}
