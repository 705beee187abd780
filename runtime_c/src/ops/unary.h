/* The elementwise unary ops: out = f(x), x and out of one shape.
 *   Float maps (EXP, LOG, SIGMOID, ERF, TANH, SQRT, RSQRT, HARDSWISH): FLOAT32 in and out.
 *     Each op's file defines its row `stem`_f32 (y[i] = f(x[i])) and EMBER_UNARY_F32_OP makes
 *     its eval (rows split over threads) and its table entry.
 *   Typed ops (ABS, NEG, RELU): x and out share a dtype. Each op's file defines a row per
 *     dtype it takes (NULL where it refuses one) and EMBER_UNARY_TYPED_OP makes its check
 *     (the dtypes with a row) and its eval (dispatch on the dtype).
 * CLAMP and GELU (with options) and LOGICAL_NOT (BOOL) share the check only. The shared
 * code is in elementwise.c. */
#ifndef EMBER_UNARY_H
#define EMBER_UNARY_H

#include "op.h"

/* x and out: `dtype`, one shape. */
ember_status ember_unary_check(const ember_op_args *a, uint8_t dtype, ember_error *err);
/* ember_unary_check for FLOAT32. */
ember_status ember_unary_f32_check(const ember_op_args *a, ember_error *err);

/* One float row: y[i] = f(x[i]) for i < n. */
typedef void (*ember_unary_f32_fn)(const float *x, float *y, int64_t n);
/* row over out->count elements, in ranges of at least `grain` split over a->threads. */
void ember_unary_f32_eval(const ember_op_args *a, ember_unary_f32_fn row, int64_t grain);

/* Grains for ember_unary_f32_eval: libm functions take some tens of nanoseconds an
 * element, vectorised or vmath.h kernels a few. */
#define EMBER_MAP_GRAIN 4096
#define EMBER_MAP_GRAIN_FAST (4 * EMBER_MAP_GRAIN)

/* The eval and the table entry ember_op_`stem` of a float map op whose row is `stem`_f32. */
#define EMBER_UNARY_F32_OP(stem, NAME, grain)                                        \
    EMBER_EVAL(stem##_eval, ember_unary_f32_eval(a, stem##_f32, grain))              \
    const ember_op_impl ember_op_##stem = {NAME, ember_unary_f32_check, stem##_eval, NULL};

/* One row of each dtype: y[i] = f(x[i]) for i < n. */
typedef struct ember_unary_rows {
    void (*f32)(const float *x, float *y, int64_t n);
    void (*i8)(const int8_t *x, int8_t *y, int64_t n);
    void (*u8)(const uint8_t *x, uint8_t *y, int64_t n);
    void (*i32)(const int32_t *x, int32_t *y, int64_t n);
    void (*i64)(const int64_t *x, int64_t *y, int64_t n);
    void (*truth)(const uint8_t *x, uint8_t *y, int64_t n);   /* BOOL */
} ember_unary_rows;

/* x and out share a dtype that has a row, and one shape. */
ember_status ember_unary_typed_check(const ember_op_args *a, const ember_unary_rows *rows, ember_error *err);
void ember_unary_typed_eval(const ember_op_args *a, const ember_unary_rows *rows);

/* A row y[i] = F(T, x[i]), F an expression macro of the type. */
#define EMBER_UNARY_ROW(NAME, T, F)                                               \
    static void NAME(const T *x, T *y, int64_t n) {                               \
        for (int64_t i = 0; i < n; i++) y[i] = F(T, x[i]);                        \
    }

/* The four integer rows `stem`_i8, _u8, _i32, _i64 from F. */
#define EMBER_UNARY_INT_ROWS(stem, F)                                                  \
    EMBER_UNARY_ROW(stem##_i8, int8_t, F)                                              \
    EMBER_UNARY_ROW(stem##_u8, uint8_t, F)                                             \
    EMBER_UNARY_ROW(stem##_i32, int32_t, F)                                            \
    EMBER_UNARY_ROW(stem##_i64, int64_t, F)

/* The check, the eval and the table entry ember_op_`stem` of a typed op with `stem`_rows. */
#define EMBER_UNARY_TYPED_OP(stem, NAME)                                               \
    static ember_status stem##_check(const ember_op_args *a, ember_error *err) {      \
        return ember_unary_typed_check(a, &stem##_rows, err);                          \
    }                                                                                  \
    EMBER_EVAL(stem##_eval, ember_unary_typed_eval(a, &stem##_rows))                   \
    const ember_op_impl ember_op_##stem = {NAME, stem##_check, stem##_eval, NULL};

/* A typed op of the numeric dtypes (not BOOL): its row `stem`_f32 (defined before), its
 * integer rows from F(T, v), its check, eval and table entry. */
#define EMBER_UNARY_NUMERIC_OP(stem, NAME, F)                                          \
    EMBER_UNARY_INT_ROWS(stem, F)                                                      \
    static const ember_unary_rows stem##_rows = {stem##_f32, stem##_i8, stem##_u8, stem##_i32, stem##_i64, NULL}; \
    EMBER_UNARY_TYPED_OP(stem, NAME)

#endif /* EMBER_UNARY_H */
