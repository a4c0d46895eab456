#ifndef CBTEST_CALLBACKS_H
#define CBTEST_CALLBACKS_H

#include <stddef.h>

int cbtest_upper(const char *in, char *out, size_t out_cap);
int cbtest_repeat(const char *in, char *out, size_t out_cap);
int cbtest_fail(const char *in, char *out, size_t out_cap);
int cbtest_greedy(const char *in, char *out, size_t out_cap);
int cbtest_huge(const char *in, char *out, size_t out_cap);
int cbtest_repeat_calls(void);
void cbtest_reset_repeat_calls(void);

#endif
