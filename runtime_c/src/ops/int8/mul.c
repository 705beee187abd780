/* MUL int8 (reference: runtime_py/kernels/int8/mul.py), numpy broadcasting:
 *   out = clamp(mbqm((a - a_zp) * (b - b_zp), m0, s0) + out_zp, act_min, act_max). */
#include "fixed.h"

extern const ember_op_impl ember_op_mul;

typedef struct mul_ctx { const int8_t *a, *b; int8_t *y; int32_t a_zp, b_zp, y_zp; const ember_quant *q; } mul_ctx;

static void mul_row(void *ctx, int64_t o, int64_t ia, int64_t ib, int64_t ic, int64_t n, int64_t da, int64_t db,
                    int64_t dc) {
    const mul_ctx *c = (const mul_ctx *)ctx;
    int32_t m = ember_q_at(c->q->multiplier, 0), s = ember_q_shift(c->q, 0);
    int32_t acc[256];   /* a chunk of products, |(a - za)(b - zb)| <= 255 * 255: exact in int32 */
    (void)ic;
    (void)dc;
    for (int64_t i0 = 0; i0 < n; i0 += 256) {
        int64_t len = n - i0 < 256 ? n - i0 : 256;
        for (int64_t i = 0; i < len; i++)
            acc[i] = ((int32_t)c->a[ia + (i0 + i) * da] - c->a_zp) * ((int32_t)c->b[ib + (i0 + i) * db] - c->b_zp);
        ember_requantize_row(acc, len, 0, m, s, c->y_zp, c->q->act_min, c->q->act_max, c->y + o + i0);
    }
}

static ember_status check(const ember_op_args *a, ember_error *err) {
    return ember_check_q8(&ember_op_mul, a, 2, 1, err);
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    ember_bcast_iter it;
    mul_ctx c = {(const int8_t *)a->in[0]->data, (const int8_t *)a->in[1]->data, (int8_t *)a->out->data,
                 a->in[0]->zero_point, a->in[1]->zero_point, a->out->zero_point, a->q};
    (void)err;
    ember_bcast_init(&it, a->out, a->in[0], a->in[1], NULL);
    ember_bcast_rows_threads(&it, mul_row, &c, a->threads);
    return EMBER_OK;
}

const ember_op_impl ember_op_mul_int8 = {"MUL", check, eval, NULL};
