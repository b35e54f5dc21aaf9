/* SPDX-License-Identifier: GPL-2.0 */
/*
 * err_start() / err_end(): what the code under test printed on stderr
 * in between (its error messages), as a string valid until the next
 * err_end(). For the unit tests' checks of exact messages.
 */
#ifndef DSLITE_ERR_CAPTURE_H
#define DSLITE_ERR_CAPTURE_H

#include <stdio.h>
#include <unistd.h>

static char err_buf[1024];
static int err_saved = -1;
static FILE *err_tmp;

static void err_start(void)
{
	fflush(stderr);
	err_tmp = tmpfile();
	err_saved = dup(2);
	dup2(fileno(err_tmp), 2);
}

static const char *err_end(void)
{
	size_t n;

	fflush(stderr);
	dup2(err_saved, 2);
	close(err_saved);
	rewind(err_tmp);
	n = fread(err_buf, 1, sizeof(err_buf) - 1, err_tmp);
	err_buf[n] = '\0';
	fclose(err_tmp);
	return err_buf;
}

#endif
