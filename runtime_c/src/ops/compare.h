/* The comparison ops (EQUAL, NOT_EQUAL, LESS, LESS_EQUAL, GREATER, GREATER_EQUAL): out =
 * (a OP b) -> BOOL with numpy broadcasting. a and b share one dtype (FLOAT32, INT8, INT32,
 * INT64, BOOL or UINT8); out is BOOL (one byte, 0 or 1) of the broadcast shape. Floats
 * compare as IEEE values (every comparison with NaN is false but !=); BOOL inputs as truth
 * values (any nonzero byte is true, false < true).
 *
 * Each op's file gives only its operator to EMBER_COMPARE_OP; the check and the broadcast
 * walk (rows split over threads, dispatch on the dtype) are shared (elementwise.c).
 * LOGICAL_AND and LOGICAL_OR walk the same way with their one BOOL row (EMBER_LOGICAL_OP). */
#ifndef EMBER_COMPARE_H
#define EMBER_COMPARE_H

#include "op.h"

/* One row of each dtype: y[i] = a[i * da] OP b[i * db] for i in [0, n); da, db are 0 or 1. */
typedef struct ember_compare_rows {
    void (*f32)(const float *a, const float *b, uint8_t *y, int64_t n, int64_t da, int64_t db);
    void (*i8)(const int8_t *a, const int8_t *b, uint8_t *y, int64_t n, int64_t da, int64_t db);
    void (*u8)(const uint8_t *a, const uint8_t *b, uint8_t *y, int64_t n, int64_t da, int64_t db);
    void (*i32)(const int32_t *a, const int32_t *b, uint8_t *y, int64_t n, int64_t da, int64_t db);
    void (*i64)(const int64_t *a, const int64_t *b, uint8_t *y, int64_t n, int64_t da, int64_t db);
    void (*truth)(const uint8_t *a, const uint8_t *b, uint8_t *y, int64_t n, int64_t da, int64_t db);
} ember_compare_rows;

ember_status ember_compare_check(const ember_op_args *a, ember_error *err);
void ember_compare_eval(const ember_op_args *a, const ember_compare_rows *rows);

#define EMBER_COMPARE_ROW(NAME, T, X, OP)                                                             \
    static void NAME(const T *a, const T *b, uint8_t *y, int64_t n, int64_t da, int64_t db) {         \
        for (int64_t i = 0; i < n; i++) y[i] = (uint8_t)(X(a[i * da]) OP X(b[i * db]));               \
    }
#define EMBER_VALUE(v) (v)
#define EMBER_TRUTH(v) ((v) != 0)

/* The six rows of comparison OP (an operator token: <, ==, ...) as `stem`_rows. */
#define EMBER_COMPARE_ROWS(stem, OP)                                                                   \
    EMBER_COMPARE_ROW(stem##_f32, float, EMBER_VALUE, OP)                                              \
    EMBER_COMPARE_ROW(stem##_i8, int8_t, EMBER_VALUE, OP)                                              \
    EMBER_COMPARE_ROW(stem##_u8, uint8_t, EMBER_VALUE, OP)                                             \
    EMBER_COMPARE_ROW(stem##_i32, int32_t, EMBER_VALUE, OP)                                            \
    EMBER_COMPARE_ROW(stem##_i64, int64_t, EMBER_VALUE, OP)                                            \
    EMBER_COMPARE_ROW(stem##_truth, uint8_t, EMBER_TRUTH, OP)                                          \
    static const ember_compare_rows stem##_rows = {stem##_f32, stem##_i8, stem##_u8, stem##_i32,      \
                                                   stem##_i64, stem##_truth};

/* The eval (ember_compare_eval of `stem`_rows) and table entry ember_op_`stem` with `check`. */
#define EMBER_COMPARE_ENTRY(stem, NAME, check)                                                         \
    EMBER_EVAL(stem##_eval, ember_compare_eval(a, &stem##_rows))                                       \
    const ember_op_impl ember_op_##stem = {NAME, check, stem##_eval, NULL};

/* A whole comparison op from its operator: its rows, its eval and its table entry. */
#define EMBER_COMPARE_OP(stem, NAME, OP)                                                               \
    EMBER_COMPARE_ROWS(stem, OP)                                                                       \
    EMBER_COMPARE_ENTRY(stem, NAME, ember_compare_check)

/* LOGICAL_AND / LOGICAL_OR: a, b and out BOOL (checked here), out = truth(a) OP truth(b). */
ember_status ember_logical_check(const ember_op_args *a, ember_error *err);

/* A whole logical op from its operator (&&, ||): its BOOL row, its eval and its table entry. */
#define EMBER_LOGICAL_OP(stem, NAME, OP)                                                               \
    EMBER_COMPARE_ROW(stem##_truth, uint8_t, EMBER_TRUTH, OP)                                          \
    static const ember_compare_rows stem##_rows = {NULL, NULL, NULL, NULL, NULL, stem##_truth};       \
    EMBER_COMPARE_ENTRY(stem, NAME, ember_logical_check)

#endif /* EMBER_COMPARE_H */
