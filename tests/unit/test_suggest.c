/*
 * suggest.c: the one did-you-mean of commands, options, values, spec keys
 * and variable names.
 */
#include <string.h>

#include "suggest.h"
#include "tap.h"

static const char *pick(const char *got, const char *const *names)
{
	struct suggest s;

	suggest_init(&s, got);
	for (; *names != NULL; names++)
		suggest_offer(&s, *names);
	return suggest_best(&s);
}

TAP_SUITE(suggest_distance_and_pick)
{
	static const char *const cmds[] = {"run",  "start", "verify", "lock",
					   "diff", "env",   "doctor", NULL};
	static const char *const fw[] = {"rails",   "django", "vite",
					 "webpack", "none",   NULL};

	T_INT(suggest_distance("run", "run"), 0, "equal: 0");
	T_INT(suggest_distance("rnu", "run"), 1, "an adjacent swap is 1");
	T_INT(suggest_distance("stat", "start"), 1, "a missing letter is 1");
	T_INT(suggest_distance("djnago", "django"), 1, "swap inside");
	T_INT(suggest_distance("", "abc"), 3, "from empty: its length");
	T_OK(pick("rnu", cmds) != NULL && strcmp(pick("rnu", cmds), "run") == 0,
	     "rnu -> run");
	T_OK(pick("veriffy", cmds) != NULL &&
		     strcmp(pick("veriffy", cmds), "verify") == 0,
	     "veriffy -> verify");
	T_OK(pick("raills", fw) != NULL &&
		     strcmp(pick("raills", fw), "rails") == 0,
	     "raills -> rails");
	T_OK(pick("xyzzy", cmds) == NULL, "nothing close: no suggestion");
	T_OK(pick("ab", cmds) == NULL,
	     "a 2-letter word suggests nothing 2 edits away");
	T_OK(pick("run", cmds) == NULL, "an exact name is not a suggestion");
	T_OK(pick("lcok", cmds) != NULL &&
		     strcmp(pick("lcok", cmds), "lock") == 0,
	     "ties keep the first, and lcok -> lock");
	{
		char longer[SUGGEST_MAX_LEN + 2];

		memset(longer, 'a', sizeof longer - 1);
		longer[sizeof longer - 1] = '\0';
		T_OK(suggest_distance(longer, "a") == (size_t)-1,
		     "names past SUGGEST_MAX_LEN are not compared");
	}
}
