/*
 * Test callbacks for the string-callback protocol: return the whole answer's
 * length; write it only when it fits in out_cap; negative for failure.
 */
#include <ctype.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "callbacks.h"

static atomic_int repeat_calls;

/* The input in upper case. */
int cbtest_upper(const char *in, char *out, size_t out_cap)
{
	size_t n = strlen(in);

	if (n > out_cap)
		return (int)n;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)toupper((unsigned char)in[i]);
	return (int)n;
}

/* Input "<count>:<char>": the char count times; counts its calls. */
int cbtest_repeat(const char *in, char *out, size_t out_cap)
{
	char *end;
	long count;

	atomic_fetch_add(&repeat_calls, 1);
	count = strtol(in, &end, 10);
	if (end == in || *end != ':' || end[1] == '\0' || count < 0 || count > INT_MAX)
		return -2;
	if ((size_t)count > out_cap)
		return (int)count;
	memset(out, end[1], (size_t)count);
	return (int)count;
}

int cbtest_repeat_calls(void)
{
	return atomic_load(&repeat_calls);
}

void cbtest_reset_repeat_calls(void)
{
	atomic_store(&repeat_calls, 0);
}

/* Always fails, as the facade's wrapper does when the Python callable raises. */
int cbtest_fail(const char *in, char *out, size_t out_cap)
{
	(void)in;
	(void)out;
	(void)out_cap;
	return -1;
}

/* Never satisfied: always wants one byte more than it was given. */
int cbtest_greedy(const char *in, char *out, size_t out_cap)
{
	(void)in;
	(void)out;
	return (int)out_cap + 1;
}

/* Asks for far more than any sane answer. */
int cbtest_huge(const char *in, char *out, size_t out_cap)
{
	(void)in;
	(void)out;
	(void)out_cap;
	return INT_MAX;
}
