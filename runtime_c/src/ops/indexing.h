/* Shared by the index-reading ops (GATHER, GATHER_ELEMENTS, SCATTER_ELEMENTS, SCATTER_ND):
 * reading an INT32/INT64 index, naming an element's position in a message, and one scatter
 * update with its reduction (ScatterOptions.reduction). */
#ifndef EMBER_OPS_INDEXING_H
#define EMBER_OPS_INDEXING_H

#include <stdio.h>

#include "op.h"

static inline int64_t index_at(const void *indices, uint8_t dtype, int64_t j) {
    return dtype == EMBER_DTYPE_INT32 ? (int64_t)((const int32_t *)indices)[j] : ((const int64_t *)indices)[j];
}

/* "[1, 0, 2]": the row-major position of element `flat` of a tensor of shape (rank). */
static inline const char *position_str(const int64_t *shape, int rank, int64_t flat, char *buf, size_t size) {
    int64_t pos[EMBER_MAX_RANK];
    size_t used = 0;
    for (int d = rank - 1; d >= 0; d--) {
        pos[d] = shape[d] > 0 ? flat % shape[d] : 0;
        flat = shape[d] > 0 ? flat / shape[d] : 0;
    }
    buf[0] = 0;
    for (int d = 0; d < rank && used < size; d++)
        used += (size_t)snprintf(buf + used, size - used, d ? ", %lld" : "[%lld", (long long)pos[d]);
    if (used < size) snprintf(buf + used, size - used, "]");
    return buf;
}

/* y[j] = reduce(y[j], u[i]) for elements of dtype dt. */
static inline void scatter_combine(void *y, int64_t j, const void *u, int64_t i, uint8_t dt, int32_t red) {
    if (red == EMBER_REDUCTION_NONE) {
        size_t es = ember_dtype_size((ember_dtype)dt);
        memmove((char *)y + (size_t)j * es, (const char *)u + (size_t)i * es, es);
    } else if (dt == EMBER_DTYPE_FLOAT32) {
        float *yj = (float *)y + j, v = ((const float *)u)[i];
        *yj = red == EMBER_REDUCTION_ADD   ? *yj + v
              : red == EMBER_REDUCTION_MUL ? *yj * v
              : red == EMBER_REDUCTION_MAX ? ember_max_nan(*yj, v)
                                           : ember_min_nan(*yj, v);
    } else {
        int64_t p = ember_load_int(y, dt, j), q = ember_load_int(u, dt, i);
        uint64_t r = red == EMBER_REDUCTION_ADD   ? (uint64_t)p + (uint64_t)q
                     : red == EMBER_REDUCTION_MUL ? (uint64_t)p * (uint64_t)q
                     : red == EMBER_REDUCTION_MAX ? (uint64_t)(p > q ? p : q)
                                                  : (uint64_t)(p < q ? p : q);
        ember_store_int(y, dt, j, r);
    }
}
/* GATHER_ELEMENTS and SCATTER_ELEMENTS: INT32/INT64 indices of data's rank (>= 1), axis
 * inside it, each index dimension but axis at most data's. */
static inline ember_status ember_elements_check(const ember_tensor *x, const ember_tensor *ix, int axis,
                                                ember_error *err) {
    char xs[96], is[96];
    if (ix->dtype != EMBER_DTYPE_INT32 && ix->dtype != EMBER_DTYPE_INT64)
        return ember_fail(err, EMBER_ERR_VERIFY, "indices must be INT64 or INT32, not dtype %d", (int)ix->dtype);
    if (x->rank < 1 || ix->rank != x->rank)
        return ember_fail(err, EMBER_ERR_VERIFY, "data %s and indices %s need one rank >= 1",
                          ember_shape_str(x, xs, sizeof xs), ember_shape_str(ix, is, sizeof is));
    if (axis < 0 || axis >= x->rank)
        return ember_fail(err, EMBER_ERR_VERIFY, "axis %d out of range for rank %d", axis, (int)x->rank);
    for (int d = 0; d < x->rank; d++)
        if (d != axis && ix->shape[d] > x->shape[d])
            return ember_fail(err, EMBER_ERR_VERIFY, "indices %s larger than data %s on a dimension other than axis %d",
                              ember_shape_str(ix, is, sizeof is), ember_shape_str(x, xs, sizeof xs), axis);
    return EMBER_OK;
}

/* SCATTER_ELEMENTS and SCATTER_ND (data, indices, updates -> out): the reduction in its enum,
 * INT32/INT64 indices, one dtype for data, updates and out. */
static inline ember_status ember_scatter_check(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *ix = a->in[1], *up = a->in[2], *y = a->out;
    int32_t red = a->p->scatter.reduction;
    if (red < 0 || red >= EMBER_REDUCTION_COUNT)
        return ember_fail(err, EMBER_ERR_VERIFY, "reduction %d not in the Reduction enum", (int)red);
    if (ix->dtype != EMBER_DTYPE_INT32 && ix->dtype != EMBER_DTYPE_INT64)
        return ember_fail(err, EMBER_ERR_VERIFY, "indices must be INT64 or INT32, not dtype %d", (int)ix->dtype);
    if (x->dtype != y->dtype || up->dtype != x->dtype)
        return ember_fail(err, EMBER_ERR_VERIFY, "data dtype %d, updates dtype %d, output dtype %d: must agree",
                          (int)x->dtype, (int)up->dtype, (int)y->dtype);
    return EMBER_OK;
}

#endif
