/* REDUCE_MEAN int8 (reference: runtime_py/kernels/int8/reduce_mean.py): the sum of
 * (x - x_zp) over `axes` divided by the element count (rounded half away from zero;
 * an empty reduction gives 0), then out = clamp(mbqm(mean, m0, s0) + out_zp, -128, 127). */
#include "fixed.h"

extern const ember_op_impl ember_op_reduce_mean;

static void reduce_mean_i8(const int8_t *x, int8_t *y, const ember_reduce_shape *s, const ember_quant *q,
                           int32_t x_zp, int32_t y_zp) {
    int32_t m = ember_q_at(q->multiplier, 0), sh = ember_q_shift(q, 0);
    int64_t ik[EMBER_MAX_RANK] = {0}, base = 0;
    int n_outer;
    int64_t run = ember_reduce_run(s, &n_outer);
    for (int64_t o = 0; o < s->outer; o++) {
        int64_t ir[EMBER_MAX_RANK] = {0}, off = base, sum = 0;
        for (int64_t r = 0; r < s->count; r += run) {
            for (int64_t t = 0; t < run; t++) sum += (int32_t)x[off + t] - x_zp;
            off += ember_odometer(ir, s->red, s->red_stride, n_outer);
        }
        y[o] = ember_requantize(s->count > 0 ? ember_round_div(sum, s->count) : 0, m, sh, y_zp, -128, 127);
        base += ember_odometer(ik, s->keep, s->keep_stride, s->n_keep);
    }
}

static ember_status check(const ember_op_args *a, ember_error *err) {
    return ember_check_q8(&ember_op_reduce_mean, a, 1, 1, err);   /* its float check: the axes and shapes */
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    ember_reduce_shape s;
    (void)err;
    ember_reduce_split(a->in[0], &a->p->reduce, &s);
    reduce_mean_i8((const int8_t *)a->in[0]->data, (int8_t *)a->out->data, &s, a->q, a->in[0]->zero_point,
                   a->out->zero_point);
    return EMBER_OK;
}

const ember_op_impl ember_op_reduce_mean_int8 = {"REDUCE_MEAN", check, eval, NULL};
