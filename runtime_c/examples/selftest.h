/* Run a method's bundled test cases and report error figures (shared by the
 * example app's --self-test mode and the native test binary). */
#ifndef EMBER_SELFTEST_H
#define EMBER_SELFTEST_H

#include <stdio.h>

#include "ember.h"

typedef struct selftest_result {
    int cases, failed;
    double max_abs, max_rel;      /* worst over every output element */
} selftest_result;

/* The state block bound to the method (programs with state, schema 2.4): every test case
 * starts from the initial state, so the block is initialised again before each case.
 * NULL (or a program without state): nothing to reset. */
typedef struct selftest_state { const ember_program *program; void *data; size_t bytes; } selftest_state;

/* Runs every bundled test case of an initialised method; prints one line per
 * output to `log` (NULL: silent). Returns EMBER_OK or the first runtime error. */
ember_status selftest_run(ember_method *m, const selftest_state *state, const char *label, FILE *log,
                          selftest_result *r);

#endif
