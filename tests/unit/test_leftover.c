/*
 * leftover.c: which names are a killed cleanroom's temporaries, when
 * their maker is gone, and the sweep of a directory of them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "leftover.h"
#include "tap.h"

/* The pid of a child that has exited and been reaped. */
static pid_t dead_pid(void)
{
	pid_t p = fork();

	if (p == 0)
		_exit(0);
	(void)waitpid(p, NULL, 0);
	return p;
}

TAP_SUITE(leftover_names)
{
	pid_t pid = 0;
	char t[64];

	T_OK(leftover_is_lock_temp(".cleanroom.lock.tmp.123", "cleanroom.lock",
				   &pid) == 1 &&
		     pid == 123,
	     "beneath_write_file's temporary, with its pid");
	T_OK(leftover_is_lock_temp("cleanroom.lock.tmp.77", "cleanroom.lock",
				   &pid) == 1 &&
		     pid == 77,
	     "the older name without a dot");
	T_OK(!leftover_is_lock_temp("cleanroom.lock", "cleanroom.lock", &pid),
	     "the lock itself is not one");
	T_OK(!leftover_is_lock_temp("cleanroom.lock.tmp.", "cleanroom.lock",
				    &pid) &&
		     !leftover_is_lock_temp("cleanroom.lock.tmp.12x",
					    "cleanroom.lock", &pid) &&
		     !leftover_is_lock_temp("cleanroom.lock.tmp.012",
					    "cleanroom.lock", &pid) &&
		     !leftover_is_lock_temp("cleanroom.lock.tmp.-1",
					    "cleanroom.lock", &pid) &&
		     !leftover_is_lock_temp("cleanroom.lock.tmp.99999999999",
					    "cleanroom.lock", &pid) &&
		     !leftover_is_lock_temp("x.cleanroom.lock.tmp.5",
					    "cleanroom.lock", &pid) &&
		     !leftover_is_lock_temp("other.lock.tmp.5",
					    "cleanroom.lock", &pid),
	     "no pid, a bad pid, or another name is not one");
	T_OK(leftover_is_scratch("cleanroom-build.4242.aB3dE9", &pid) == 1 &&
		     pid == 4242,
	     "a scratch directory with its pid");
	T_OK(!leftover_is_scratch("cleanroom-build.aB3dE9", &pid) &&
		     !leftover_is_scratch("cleanroom-build.12.abc", &pid) &&
		     !leftover_is_scratch("cleanroom-it.12.abcdef", &pid),
	     "the older name (no pid) and other names are not");
	T_OK(leftover_scratch_template(t, sizeof t) == 0 &&
		     strncmp(t, "/tmp/cleanroom-build.", 21) == 0 &&
		     strcmp(t + strlen(t) - 7, ".XXXXXX") == 0,
	     "the template names this process: %s", t);
	T_OK(leftover_is_scratch(t + 5, &pid) && pid == getpid(),
	     "and parses back to its pid");
	T_OK(leftover_scratch_template(t, 10) < 0, "a short buffer fails");
}

TAP_SUITE(leftover_owners)
{
	T_OK(leftover_owner_gone(dead_pid()), "a reaped child is gone");
	T_OK(leftover_owner_gone(getpid()),
	     "this process is not writing what it sweeps");
	T_OK(!leftover_owner_gone(getppid()), "a live process is not gone");
	T_OK(!leftover_owner_gone(1), "nor is init, whoever owns it");
}

TAP_SUITE(leftover_lock_sweep)
{
	char top[] = "/tmp/cleanroom-leftover-XXXXXX", p[256];
	const char *roots[] = {top};
	struct leftover_temp *tmp = NULL;
	size_t n = 0, removed = 0;
	pid_t gone = dead_pid();
	struct stat st;
	int fd;

	if (mkdtemp(top) == NULL)
		abort();
	snprintf(p, sizeof p, "%s/cleanroom.lock.tmp.%ld", top, (long)gone);
	fd = open(p, O_WRONLY | O_CREAT, 0644);
	T_OK(fd >= 0, "a temporary lock of a gone cleanroom");
	close(fd);
	snprintf(p, sizeof p, "%s/.cleanroom.lock.tmp.%ld", top,
		 (long)getppid());
	fd = open(p, O_WRONLY | O_CREAT, 0644);
	T_OK(fd >= 0, "one of a live process");
	close(fd);
	snprintf(p, sizeof p, "%s/.cleanroom.lock.tmp.%ld", top, (long)gone);
	T_OK(symlink("/etc/passwd", p) == 0, "a link by that name, gone maker");
	snprintf(p, sizeof p, "%s/cleanroom.lock", top);
	T_OK(leftover_lock_temps(p, &tmp, &n) == 0 && n == 3,
	     "three temporaries beside the lock (%zu)", n);
	for (size_t i = 0; i < n; i++)
		T_OK(strncmp(tmp[i].path, top, strlen(top)) == 0 &&
			     tmp[i].gone == (tmp[i].pid == gone),
		     "%s: spelt from the lock path, gone %d", tmp[i].path,
		     tmp[i].gone);
	leftover_temps_free(tmp, n);
	T_OK(leftover_sweep_locks(roots, 1, NULL, p, &removed) == 0 &&
		     removed == 2,
	     "the sweep removes the two of the gone maker (%zu)", removed);
	T_OK(stat("/etc/passwd", &st) == 0, "the link itself, not its target");
	T_OK(leftover_lock_temps(p, &tmp, &n) == 0 && n == 1 && !tmp[0].gone,
	     "the live one stays");
	leftover_temps_free(tmp, n);
	snprintf(p, sizeof p, "%s/none/cleanroom.lock", top);
	T_OK(leftover_lock_temps(p, &tmp, &n) == 0 && n == 0 &&
		     leftover_sweep_locks(roots, 1, NULL, p, &removed) == 0,
	     "a missing directory has none");
	snprintf(p, sizeof p, "rm -rf %s", top);
	if (system(p) != 0)
		abort();
}

/* start's state files are written as NAME.tmp.PID (io_write_file_atomic). */
TAP_SUITE(leftover_state_names)
{
	pid_t pid = 0;

	T_OK(leftover_is_state_temp("stamp.tmp.4242", &pid) == 1 && pid == 4242,
	     "the stamp's temporary, with its pid");
	T_OK(leftover_is_state_temp("a.tmp.b.tmp.9", &pid) == 1 && pid == 9,
	     "the last .tmp. counts");
	T_OK(!leftover_is_state_temp("stamp", &pid) &&
		     !leftover_is_state_temp(".tmp.12", &pid) &&
		     !leftover_is_state_temp("stamp.tmp.", &pid) &&
		     !leftover_is_state_temp("stamp.tmp.0", &pid) &&
		     !leftover_is_state_temp("stamp.tmp.012", &pid) &&
		     !leftover_is_state_temp("stamp.tmp.12x", &pid) &&
		     !leftover_is_state_temp("stamp.tmp.99999999999", &pid),
	     "names that are not one");
}
