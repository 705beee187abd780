/* CAST: out = x converted to out's dtype; x and out have one shape, any dtypes.
 *   float -> integer: truncation toward zero. Where C (and numpy) leave the conversion
 *     undefined -- NaN, +-inf, values outside the target range -- the result is
 *     deterministic and matches numpy on x86: INT32/INT64 get their minimum
 *     (INT32_MIN, INT64_MIN); INT8/UINT8 convert through INT32 (same rule) and keep the
 *     low 8 bits, so 300.0 -> 44, -1.0 -> 255 as UINT8, NaN -> 0.
 *   integer -> narrower integer: wraps (the low bits), as numpy.
 *   integer -> FLOAT32: the nearest float.
 *   anything -> BOOL: x != 0 (NaN is true); BOOL -> anything: 0 or 1 (a nonzero byte
 *     in a BOOL tensor counts as 1).
 *   FLOAT16, FLOAT64 (storage dtypes, 2.3) in or out: element by element through double
 *     (exact for every source), then to the target: float types rounded to nearest even in
 *     one step, integers by the float rules above. */
#include "op.h"

/* From float32 (truncation toward zero; NaN and out-of-range values as above). */
static float f2f32(float v) { return v; }
static int64_t f2i64(float v) {
    double d = (double)v;
    return d >= -9223372036854775808.0 && d < 9223372036854775808.0 ? (int64_t)d : INT64_MIN;
}
static int32_t f2i32(float v) {
    double d = (double)v;
    return d > -2147483649.0 && d < 2147483648.0 ? (int32_t)d : INT32_MIN;
}
static int8_t f2i8(float v) { return (int8_t)(uint8_t)f2i32(v); }
static uint8_t f2u8(float v) { return (uint8_t)f2i32(v); }
static uint8_t f2bool(float v) { return (uint8_t)(v != 0.0f); }

/* From an integer or bool source widened to int64 (wrapping to narrower types). */
static float i2f32(int64_t v) { return (float)v; }
static int64_t i2i64(int64_t v) { return v; }
static int32_t i2i32(int64_t v) { return (int32_t)(uint32_t)v; }
static int8_t i2i8(int64_t v) { return (int8_t)(uint8_t)v; }
static uint8_t i2u8(int64_t v) { return (uint8_t)v; }
static uint8_t i2bool(int64_t v) { return (uint8_t)(v != 0); }

#define AS_IS(v) (v)
#define AS_INT(v) ((int64_t)(v))
#define AS_BOOL(v) ((int64_t)((v) != 0))
#define CAST_LOOP(S, D, CONV, LOAD) \
    for (int64_t i = 0; i < n; i++) ((D *)y)[i] = CONV(LOAD(((const S *)x)[i]))
/* The loops from source type S: F is the converter family (f2 or i2), LOAD widens. */
#define CAST_FROM(S, F, LOAD)                                                      \
    switch (dst) {                                                                 \
    case EMBER_DTYPE_FLOAT32: CAST_LOOP(S, float, F##f32, LOAD); break;            \
    case EMBER_DTYPE_INT8: CAST_LOOP(S, int8_t, F##i8, LOAD); break;               \
    case EMBER_DTYPE_INT32: CAST_LOOP(S, int32_t, F##i32, LOAD); break;            \
    case EMBER_DTYPE_INT64: CAST_LOOP(S, int64_t, F##i64, LOAD); break;            \
    case EMBER_DTYPE_BOOL: CAST_LOOP(S, uint8_t, F##bool, LOAD); break;            \
    case EMBER_DTYPE_UINT8: CAST_LOOP(S, uint8_t, F##u8, LOAD); break;             \
    default: break;                                                                \
    }

/* y[i] = convert(x[i]) for i in [0, n); x has dtype src, y has dtype dst. */
static void cast_kernel(const void *x, uint8_t src, void *y, uint8_t dst, int64_t n) {
    switch (src) {
    case EMBER_DTYPE_FLOAT32: CAST_FROM(float, f2, AS_IS) break;
    case EMBER_DTYPE_INT8: CAST_FROM(int8_t, i2, AS_INT) break;
    case EMBER_DTYPE_INT32: CAST_FROM(int32_t, i2, AS_INT) break;
    case EMBER_DTYPE_INT64: CAST_FROM(int64_t, i2, AS_INT) break;
    case EMBER_DTYPE_BOOL: CAST_FROM(uint8_t, i2, AS_BOOL) break;
    case EMBER_DTYPE_UINT8: CAST_FROM(uint8_t, i2, AS_INT) break;
    default: break;
    }
}

/* ---- the storage dtypes: through double ---------------------------------------- */
static int wide(uint8_t dt) { return dt == EMBER_DTYPE_FLOAT16 || dt == EMBER_DTYPE_FLOAT64; }

static int real(uint8_t dt) { return dt == EMBER_DTYPE_FLOAT32 || wide(dt); }

static double load_real(const void *x, uint8_t dt, int64_t i) {
    if (dt == EMBER_DTYPE_FLOAT16) return ember_half_to_double(((const uint16_t *)x)[i]);
    if (dt == EMBER_DTYPE_FLOAT64) return ((const double *)x)[i];
    return (double)((const float *)x)[i];
}

/* double to an integer dtype by the float rules: out of range (or NaN) INT32/INT64 minimum,
 * INT8/UINT8 through INT32. */
static int64_t d2int(double d, uint8_t dt) {
    if (dt == EMBER_DTYPE_INT64) return d >= -9223372036854775808.0 && d < 9223372036854775808.0 ? (int64_t)d
                                                                                                  : INT64_MIN;
    return d > -2147483649.0 && d < 2147483648.0 ? (int64_t)(int32_t)d : INT32_MIN;
}

static void store_real(void *y, uint8_t dt, int64_t i, double v) {
    switch (dt) {
    case EMBER_DTYPE_FLOAT16: ((uint16_t *)y)[i] = ember_double_to_half(v); break;
    case EMBER_DTYPE_FLOAT64: ((double *)y)[i] = v; break;
    case EMBER_DTYPE_FLOAT32: ((float *)y)[i] = (float)v; break;
    case EMBER_DTYPE_BOOL: ((uint8_t *)y)[i] = (uint8_t)(v != 0.0); break;
    default: ember_store_int(y, dt, i, (uint64_t)d2int(v, dt)); break;
    }
}

static void cast_wide(const void *x, uint8_t src, void *y, uint8_t dst, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        if (real(src)) {
            store_real(y, dst, i, load_real(x, src, i));
        } else {
            int64_t v = ember_load_int(x, src, i);
            store_real(y, dst, i, src == EMBER_DTYPE_BOOL ? (double)(v != 0) : (double)v);
        }
    }
}

static ember_status check(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *out = a->out;
    char xs[64], os[64];
    if (x->dtype > EMBER_DTYPE_FLOAT64 || out->dtype > EMBER_DTYPE_FLOAT64)
        return ember_fail(err, EMBER_ERR_VERIFY, "dtypes %d -> %d: not in the DType enum", (int)x->dtype,
                          (int)out->dtype);
    if (!ember_same_shape(x, out))
        return ember_fail(err, EMBER_ERR_VERIFY, "input %s and output %s differ in shape",
                          ember_shape_str(x, xs, sizeof xs), ember_shape_str(out, os, sizeof os));
    return EMBER_OK;
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    (void)err;
    if (wide(a->in[0]->dtype) || wide(a->out->dtype))
        cast_wide(a->in[0]->data, a->in[0]->dtype, a->out->data, a->out->dtype, a->out->count);
    else
        cast_kernel(a->in[0]->data, a->in[0]->dtype, a->out->data, a->out->dtype, a->out->count);
    return EMBER_OK;
}

const ember_op_impl ember_op_cast = {"CAST", check, eval, NULL};
