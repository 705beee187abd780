/* ADD and SUB int8 share this (reference: runtime_py/kernels/int8/_binary.py): each
 * input is centred, shifted left by left_shift and rescaled to a common scale by its
 * own multiplier (0 and 1); the sum (sign +1) or difference (-1) is rescaled by
 * multiplier 2 to the output and clamped to [act_min, act_max]. */
#ifndef EMBER_INT8_BINARY_H
#define EMBER_INT8_BINARY_H

#include "fixed.h"

enum { ROW = 256 };

typedef struct q8_binary_ctx {
    const int8_t *a, *b;
    int8_t *y;
    int32_t a_zp, b_zp, y_zp, sign;
    const ember_quant *q;
} q8_binary_ctx;

static void q8_add_sub_row(void *ctx, int64_t o, int64_t ia, int64_t ib, int64_t ic, int64_t n, int64_t da,
                           int64_t db, int64_t dc) {
    const q8_binary_ctx *c = (const q8_binary_ctx *)ctx;
    const ember_quant *q = c->q;
    int32_t ma = ember_q_at(q->multiplier, 0), sa = ember_q_shift(q, 0);
    int32_t mb = ember_q_at(q->multiplier, 1), sb = ember_q_shift(q, 1);
    int32_t mo = ember_q_at(q->multiplier, 2), so = ember_q_shift(q, 2);
    int32_t scale = (int32_t)1 << q->left_shift;   /* left_shift <= 20: |(x - zp) * scale| < 2^29 */
    int32_t xa[ROW], xb[ROW];
    (void)ic;
    (void)dc;
    /* a chunk at a time: both inputs centred and scaled, rescaled by their mbqm rows, then
     * the int64 sum or difference saturated to int32 (ember_requantize's first step) and
     * requantized as a row */
    for (int64_t i0 = 0; i0 < n; i0 += ROW) {
        int64_t len = n - i0 < ROW ? n - i0 : ROW;
        const int8_t *ap = c->a + ia + i0 * da, *bp = c->b + ib + i0 * db;
        if (da == 1 && db == 1) {   /* the common case as loops the compiler vectorises */
            for (int64_t i = 0; i < len; i++) xa[i] = ((int32_t)ap[i] - c->a_zp) * scale;
            for (int64_t i = 0; i < len; i++) xb[i] = ((int32_t)bp[i] - c->b_zp) * scale;
        } else {
            for (int64_t i = 0; i < len; i++) {
                xa[i] = ((int32_t)ap[i * da] - c->a_zp) * scale;
                xb[i] = ((int32_t)bp[i * db] - c->b_zp) * scale;
            }
        }
        ember_mbqm_row(xa, len, ma, sa, xa);
        ember_mbqm_row(xb, len, mb, sb, xb);
        for (int64_t i = 0; i < len; i++) xa[i] = (int32_t)ember_sat32((int64_t)xa[i] + (int64_t)c->sign * xb[i]);
        ember_requantize_row(xa, len, 0, mo, so, c->y_zp, q->act_min, q->act_max, c->y + o + i0);
    }
}

static inline ember_status q8_add_sub_check(const ember_op_impl *float_op, const ember_op_args *a, ember_error *err) {
    return ember_check_q8(float_op, a, 2, 3, err);
}

static inline void q8_add_sub(const ember_op_args *a, int32_t sign) {
    ember_bcast_iter it;
    q8_binary_ctx c = {(const int8_t *)a->in[0]->data, (const int8_t *)a->in[1]->data, (int8_t *)a->out->data,
                       a->in[0]->zero_point, a->in[1]->zero_point, a->out->zero_point, sign, a->q};
    ember_bcast_init(&it, a->out, a->in[0], a->in[1], NULL);
    ember_bcast_rows_threads(&it, q8_add_sub_row, &c, a->threads);
}

#endif /* EMBER_INT8_BINARY_H */
