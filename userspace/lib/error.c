// SPDX-License-Identifier: MIT
/*
 * error.c - errno plus a message in words, per thread.
 */
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

static __thread char dr_last_error[256];

int dr_fail(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dr_last_error, sizeof(dr_last_error), fmt, ap);
	va_end(ap);
	errno = err;
	return -1;
}

/**
 * disruptor_last_error() - why the last failing call of this thread failed.
 *
 * Return: a message, or "" when no call has failed yet.
 */
const char *disruptor_last_error(void)
{
	return dr_last_error;
}
