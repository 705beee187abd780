/* Minimal .npy reading and writing for the example app (C order, little-endian,
 * the dtypes Ember uses). Uses the heap: this is app code, not the library. */
#ifndef EMBER_NPY_H
#define EMBER_NPY_H

#include <stddef.h>
#include <stdint.h>

#include "ember.h"

typedef struct npy_array {
    ember_dtype dtype;
    int32_t rank;
    int64_t shape[EMBER_MAX_RANK];
    void *data;        /* malloc'ed, 64-byte aligned; free with npy_free */
    size_t nbytes;
} npy_array;

/* 0 on success; on failure -1 and a message in err. */
int npy_load(const char *path, npy_array *out, char *err, size_t err_size);
int npy_save(const char *path, ember_dtype dtype, const int64_t *shape, int32_t rank, const void *data,
             size_t nbytes, char *err, size_t err_size);
void npy_free(npy_array *a);

#endif
