/* The elementwise arithmetic ops ADD, SUB, MUL, DIV, MAXIMUM, MINIMUM: out = a OP b with
 * numpy broadcasting, then the fused activation (BinaryOptions). a, b and out share one
 * dtype: FLOAT32, INT8, INT32, INT64 or UINT8; out's shape is the broadcast of a's and b's.
 *
 * Each op's file gives only its formulas, for floats and for integers, to EMBER_ARITH_OP;
 * the check and the broadcast walk (rows split over threads, dispatch on the dtype) are
 * shared (elementwise.c). POW shares the check and ember_act_int; its rows can fail (a
 * negative integer exponent), so it walks on its own. */
#ifndef EMBER_ARITH_H
#define EMBER_ARITH_H

#include "op.h"

/* One row of each dtype: y[i] = act(a[i * da] OP b[i * db]) for i in [0, n); da, db are 0 or 1. */
typedef struct ember_arith_rows {
    void (*f32)(const float *a, const float *b, float *y, int64_t n, int64_t da, int64_t db, int32_t act);
    void (*i8)(const int8_t *a, const int8_t *b, int8_t *y, int64_t n, int64_t da, int64_t db, int32_t act);
    void (*u8)(const uint8_t *a, const uint8_t *b, uint8_t *y, int64_t n, int64_t da, int64_t db, int32_t act);
    void (*i32)(const int32_t *a, const int32_t *b, int32_t *y, int64_t n, int64_t da, int64_t db, int32_t act);
    void (*i64)(const int64_t *a, const int64_t *b, int64_t *y, int64_t n, int64_t da, int64_t db, int32_t act);
} ember_arith_rows;

ember_status ember_arith_check(const ember_op_args *a, ember_error *err);
void ember_arith_eval(const ember_op_args *a, const ember_arith_rows *rows);

/* The fused activation on an integer result (already in its dtype's range). */
static inline int64_t ember_act_int(int64_t v, int32_t activation) {
    if (activation == EMBER_ACT_RELU) return v > 0 ? v : 0;
    if (activation == EMBER_ACT_RELU6) return v > 0 ? (v < 6 ? v : 6) : 0;
    return v;
}

/* Integer rows y[i] = act(F(T, a[i * da], b[i * db])), F an expression macro of the type. */
#define EMBER_ARITH_INT_ROW(NAME, T, F)                                                              \
    static void NAME(const T *a, const T *b, T *y, int64_t n, int64_t da, int64_t db, int32_t act) { \
        for (int64_t i = 0; i < n; i++) y[i] = (T)ember_act_int(F(T, a[i * da], b[i * db]), act);   \
    }
/* The four integer rows of `stem` with F, and `stem`_rows with `stem`_f32 (defined before). */
#define EMBER_ARITH_INT_ROWS(stem, F)                                                                \
    EMBER_ARITH_INT_ROW(stem##_i8, int8_t, F)                                                        \
    EMBER_ARITH_INT_ROW(stem##_u8, uint8_t, F)                                                       \
    EMBER_ARITH_INT_ROW(stem##_i32, int32_t, F)                                                      \
    EMBER_ARITH_INT_ROW(stem##_i64, int64_t, F)                                                      \
    static const ember_arith_rows stem##_rows = {stem##_f32, stem##_i8, stem##_u8, stem##_i32, stem##_i64};

/* The float row `stem`_f32: y[i] = act(FF(a[i * da], b[i * db])), FF an expression macro
 * or a function; the fused activation is a second pass (both loops vectorise). */
#define EMBER_ARITH_F32_ROW(stem, FF)                                                                \
    static void stem##_f32(const float *a, const float *b, float *y, int64_t n, int64_t da, int64_t db, \
                           int32_t act) {                                                            \
        EMBER_BINARY_ROW(float, a, b, y, n, da, db, FF);                                             \
        ember_activate_row(y, n, act);                                                               \
    }

/* A whole arithmetic op from its formulas: FF(u, v) on floats, FI(T, x, y) on integers of
 * type T; its rows, its eval and its table entry ember_op_`stem`. */
#define EMBER_ARITH_OP(stem, NAME, FF, FI)                                                           \
    EMBER_ARITH_F32_ROW(stem, FF)                                                                    \
    EMBER_ARITH_INT_ROWS(stem, FI)                                                                   \
    EMBER_EVAL(stem##_eval, ember_arith_eval(a, &stem##_rows))                                      \
    const ember_op_impl ember_op_##stem = {NAME, ember_arith_check, stem##_eval, NULL};

#endif /* EMBER_ARITH_H */
