/* Minimal .npy I/O (format versions 1.0-3.0 read, 1.0 written). */
#define _POSIX_C_SOURCE 200809L
#include "npy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct { const char *descr; ember_dtype dtype; } DESCRS[] = {
    {"<f4", EMBER_DTYPE_FLOAT32}, {"|i1", EMBER_DTYPE_INT8}, {"<i4", EMBER_DTYPE_INT32},
    {"<i8", EMBER_DTYPE_INT64},   {"|b1", EMBER_DTYPE_BOOL}, {"|u1", EMBER_DTYPE_UINT8},
    {"<f2", EMBER_DTYPE_FLOAT16}, {"<f8", EMBER_DTYPE_FLOAT64},
};

static int fail(char *err, size_t size, const char *path, const char *what) {
    snprintf(err, size, "%s: %s", path, what);
    return -1;
}

int npy_load(const char *path, npy_array *out, char *err, size_t err_size) {
    unsigned char pre[12];
    char header[4096];
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (f == NULL) return fail(err, err_size, path, "cannot open");
    if (fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6) != 0) {
        fclose(f);
        return fail(err, err_size, path, "not a .npy file");
    }
    size_t hlen = (size_t)pre[8] | ((size_t)pre[9] << 8);
    if (pre[6] >= 2) {   /* versions 2 and 3: 4-byte header length */
        if (fread(pre + 10, 1, 2, f) != 2) { fclose(f); return fail(err, err_size, path, "truncated header"); }
        hlen |= ((size_t)pre[10] << 16) | ((size_t)pre[11] << 24);
    }
    if (hlen >= sizeof header || fread(header, 1, hlen, f) != hlen) {
        fclose(f);
        return fail(err, err_size, path, "header too long or truncated");
    }
    header[hlen] = 0;
    const char *d = strstr(header, "'descr': '");
    int found = 0;
    for (size_t i = 0; d != NULL && i < sizeof DESCRS / sizeof DESCRS[0]; i++)
        if (strncmp(d + 10, DESCRS[i].descr, 3) == 0) { out->dtype = DESCRS[i].dtype; found = 1; }
    if (!found) { fclose(f); return fail(err, err_size, path, "dtype is not one of f4 i1 i4 i8 b1 u1 (little-endian)"); }
    if (strstr(header, "'fortran_order': True") != NULL) { fclose(f); return fail(err, err_size, path, "Fortran order not supported"); }
    const char *s = strstr(header, "'shape': (");
    if (s == NULL) { fclose(f); return fail(err, err_size, path, "no shape in header"); }
    s += 10;
    size_t count = 1;
    while (*s && *s != ')') {
        char *end;
        long long v = strtoll(s, &end, 10);
        if (end == s) break;
        if (out->rank >= EMBER_MAX_RANK || v < 0) { fclose(f); return fail(err, err_size, path, "bad shape"); }
        out->shape[out->rank++] = v;
        count *= (size_t)v;
        s = end;
        while (*s == ',' || *s == ' ') s++;
    }
    out->nbytes = count * ember_dtype_size(out->dtype);
    void *data = NULL;
    size_t alloc = (out->nbytes + 63) / 64 * 64;
    if (posix_memalign(&data, 64, alloc ? alloc : 64) != 0) { fclose(f); return fail(err, err_size, path, "out of memory"); }
    if (fread(data, 1, out->nbytes, f) != out->nbytes) {
        free(data);
        fclose(f);
        return fail(err, err_size, path, "data truncated");
    }
    fclose(f);
    out->data = data;
    return 0;
}

int npy_save(const char *path, ember_dtype dtype, const int64_t *shape, int32_t rank, const void *data,
             size_t nbytes, char *err, size_t err_size) {
    char header[512], dims[256] = "";
    size_t used = 0;
    for (int32_t i = 0; i < rank; i++)
        used += (size_t)snprintf(dims + used, sizeof dims - used, "%lld,%s", (long long)shape[i],
                                 rank > 1 && i + 1 < rank ? " " : "");
    if (rank > 1) dims[used - 1] = 0;   /* numpy writes (2, 3) but (4,) */
    int n = snprintf(header, sizeof header, "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }",
                     DESCRS[dtype].descr, dims);
    size_t total = 10 + (size_t)n + 1, pad = (64 - total % 64) % 64;
    FILE *f = fopen(path, "wb");
    if (f == NULL) return fail(err, err_size, path, "cannot create");
    size_t hlen = (size_t)n + pad + 1;
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(hlen & 0xff),
                             (unsigned char)(hlen >> 8)};
    fwrite(pre, 1, 10, f);
    fwrite(header, 1, (size_t)n, f);
    for (size_t i = 0; i < pad; i++) fputc(' ', f);
    fputc('\n', f);
    int ok = fwrite(data, 1, nbytes, f) == nbytes;
    ok &= fclose(f) == 0;
    return ok ? 0 : fail(err, err_size, path, "write failed");
}

void npy_free(npy_array *a) {
    free(a->data);
    a->data = NULL;
}
