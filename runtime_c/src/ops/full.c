/* FULL: no inputs; every element of out is `value` (a double) converted to out's dtype as
 * numpy's fill: FLOAT32 rounds; integers truncate toward zero (NaN and out-of-range values
 * as CAST: INT32/INT64 minimum, INT8/UINT8 the low byte of the INT32 result); BOOL is
 * value != 0. out: any shape. */
#include "op.h"

/* y: (n) elements of dtype, all set to v. */
static void full_fill(void *y, uint8_t dtype, int64_t n, double v) {
    int32_t i32 = v > -2147483649.0 && v < 2147483648.0 ? (int32_t)v : INT32_MIN;
    switch (dtype) {
    case EMBER_DTYPE_FLOAT32: {
        float f = (float)v;
        for (int64_t i = 0; i < n; i++) ((float *)y)[i] = f;
        break;
    }
    case EMBER_DTYPE_INT64: {
        int64_t k = v >= -9223372036854775808.0 && v < 9223372036854775808.0 ? (int64_t)v : INT64_MIN;
        for (int64_t i = 0; i < n; i++) ((int64_t *)y)[i] = k;
        break;
    }
    case EMBER_DTYPE_INT32:
        for (int64_t i = 0; i < n; i++) ((int32_t *)y)[i] = i32;
        break;
    case EMBER_DTYPE_BOOL: memset(y, v != 0.0, (size_t)n); break;
    default: memset(y, (uint8_t)i32, (size_t)n); break;   /* INT8, UINT8: the low byte */
    }
}

static ember_status check(const ember_op_args *a, ember_error *err) {
    (void)a, (void)err;   /* any shape and dtype */
    return EMBER_OK;
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    (void)err;
    full_fill(a->out->data, a->out->dtype, a->out->count, a->p->full.value);
    return EMBER_OK;
}

const ember_op_impl ember_op_full = {"FULL", check, eval, NULL};
