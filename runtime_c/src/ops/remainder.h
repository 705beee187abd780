/* MOD and FMOD: the remainder of a / b with numpy broadcasting, a, b and out of one
 * dtype (FLOAT32, INT8, UINT8, INT32 or INT64; no fused activation). Each op's file gives
 * its formulas to the arith.h rows (check, broadcast walk and threads shared with ADD);
 * this header adds what the integer rows need: a zero divisor is refused before anything
 * is written, so a row never divides by zero, and the remainders are formed in int64 with
 * b == -1 answered 0 (INT64_MIN % -1 is undefined in C; its remainder is 0). */
#ifndef EMBER_REMAINDER_H
#define EMBER_REMAINDER_H

#include "arith.h"

/* a % b truncated toward zero (C's %, the sign of a); b != 0. */
static inline int64_t ember_rem_trunc(int64_t a, int64_t b) { return b == -1 ? 0 : a % b; }

/* a % b floored (Python's %, the sign of b); b != 0. |r| < |b| and r, b of opposite
 * signs where it is adjusted, so r + b cannot overflow. */
static inline int64_t ember_rem_floor(int64_t a, int64_t b) {
    int64_t r = ember_rem_trunc(a, b);
    return r != 0 && (r < 0) != (b < 0) ? r + b : r;
}

/* The first zero among the n integer elements of t (dtype INT8, UINT8, INT32 or INT64),
 * or -1. */
static inline int64_t ember_first_zero(const ember_tensor *t) {
    for (int64_t i = 0; i < t->count; i++)
        if (ember_load_int(t->data, t->dtype, i) == 0) return i;
    return -1;
}

/* The eval of MOD and FMOD: an integer divisor with a zero fails (when out has elements:
 * each element of b is then used), else the rows run over the broadcast. */
static inline ember_status ember_remainder_eval(const ember_op_args *a, const ember_arith_rows *rows,
                                                ember_error *err) {
    const ember_tensor *b = a->in[1];
    int64_t zero = b->dtype != EMBER_DTYPE_FLOAT32 && a->out->count > 0 ? ember_first_zero(b) : -1;
    if (zero >= 0)
        return ember_fail(err, EMBER_ERR_EXECUTION, "integer division by zero (divisor element %lld is 0)",
                          (long long)zero);
    ember_arith_eval(a, rows);
    return EMBER_OK;
}

/* A whole remainder op: float formula FF(u, v), integer formula FI(T, x, y). */
#define EMBER_REMAINDER_OP(stem, NAME, FF, FI)                                                       \
    EMBER_ARITH_F32_ROW(stem, FF)                                                                    \
    EMBER_ARITH_INT_ROWS(stem, FI)                                                                   \
    static ember_status stem##_eval(const ember_op_args *a, ember_error *err) {                      \
        return ember_remainder_eval(a, &stem##_rows, err);                                           \
    }                                                                                                \
    const ember_op_impl ember_op_##stem = {NAME, ember_arith_check, stem##_eval, NULL};

#endif /* EMBER_REMAINDER_H */
