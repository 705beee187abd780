/* Quantization tables: a tensor's Quantization and an operator's QuantParams.
 * The loader verifies both once (ember_verify_*); init decodes them again with
 * the same checks (ember_decode_quant, ember_tensor_quant), which then cannot fail. */
#include <math.h>

#include "handles.h"


#define TRY(expr) do { ember_status s_ = (expr); if (s_ != EMBER_OK) return s_; } while (0)

static ember_status scalar4(const fb_buf *f, const fb_table *t, int id, ember_error *err, const char *what) {
    uint32_t at;
    return fb_field(f, t, id, 4, &at, err, what);
}

ember_status ember_decode_quant(const fb_buf *f, const fb_table *op, int field, ember_quant *q, ember_error *err) {
    fb_table t;
    fb_vec mult, shift;
    const char *what = "operator QuantParams";
    memset(q, 0, sizeof *q);
    q->act_min = -128;
    q->act_max = 127;
    TRY(fb_sub_table(f, op, field, 0, &t, err, what));
    if (t.pos == 0) return EMBER_OK;
    for (int id = QP_ACT_MIN; id <= QP_FILL; id++) TRY(scalar4(f, &t, id, err, what));
    TRY(fb_sub_vector(f, &t, QP_MULTIPLIER, 4, 4, &mult, err, what));
    TRY(fb_sub_vector(f, &t, QP_SHIFT, 1, 1, &shift, err, what));
    if (mult.len != shift.len || mult.len > (1u << 24))
        return ember_fail(err, EMBER_ERR_VERIFY, "%s: %u multipliers and %u shifts", what, mult.len, shift.len);
    q->present = 1;
    q->n = (int32_t)mult.len;
    q->multiplier = f->b + mult.pos;
    q->shift = f->b + shift.pos;
    q->act_min = (int32_t)fb_read_int(f, &t, QP_ACT_MIN, 4, 1, QP_ACT_MIN_DEFAULT);
    q->act_max = (int32_t)fb_read_int(f, &t, QP_ACT_MAX, 4, 1, QP_ACT_MAX_DEFAULT);
    q->left_shift = (int32_t)fb_read_int(f, &t, QP_LEFT_SHIFT, 4, 1, 0);
    q->fill = (int32_t)fb_read_int(f, &t, QP_FILL, 4, 1, 0);
    for (int32_t i = 0; i < q->n; i++) {
        int32_t m = ember_q_at(q->multiplier, i), s = ember_q_shift(q, i);
        if (m < 0 || s < -31 || s > 30)
            return ember_fail(err, EMBER_ERR_VERIFY, "%s: entry %d: multiplier %ld must be >= 0 and shift %ld in "
                              "[-31, 30]", what, (int)i, (long)m, (long)s);
    }
    if (q->act_min < -128 || q->act_min > q->act_max || q->act_max > 127)
        return ember_fail(err, EMBER_ERR_VERIFY, "%s: clamp [%ld, %ld] outside int8", what, (long)q->act_min,
                          (long)q->act_max);
    if (q->left_shift < 0 || q->left_shift > 20)
        return ember_fail(err, EMBER_ERR_VERIFY, "%s: left shift %ld outside [0, 20]", what, (long)q->left_shift);
    if (q->fill < -128 || q->fill > 127)
        return ember_fail(err, EMBER_ERR_VERIFY, "%s: fill %ld outside int8", what, (long)q->fill);
    return EMBER_OK;
}

ember_status ember_tensor_quant(const fb_buf *f, const fb_table *tensor, int field, ember_tensor *x,
                                ember_error *err) {
    fb_table t;
    fb_vec scale, zero;
    const char *what = "tensor quantization";
    x->quantized = 0;
    x->zero_point = 0;
    x->scale = 0.0f;
    x->scales = NULL;
    x->n_scales = 0;
    x->quant_axis = -1;
    x->asymmetric = 0;
    TRY(fb_sub_table(f, tensor, field, 0, &t, err, what));
    if (t.pos == 0) return EMBER_OK;
    TRY(fb_sub_vector(f, &t, Q_SCALE, 4, 4, &scale, err, what));
    TRY(fb_sub_vector(f, &t, Q_ZERO_POINT, 8, 8, &zero, err, what));
    TRY(scalar4(f, &t, Q_AXIS, err, what));
    int32_t axis = (int32_t)fb_read_int(f, &t, Q_AXIS, 4, 1, Q_AXIS_DEFAULT);
    if (scale.len == 0 || (zero.len != 0 && zero.len != scale.len))
        return ember_fail(err, EMBER_ERR_VERIFY, "%s: %u scales and %u zero points", what, scale.len, zero.len);
    if (axis < -1 || axis >= (int32_t)x->rank)
        return ember_fail(err, EMBER_ERR_VERIFY, "%s: axis %ld out of range for rank %d", what, (long)axis,
                          (int)x->rank);
    if (axis == -1 ? scale.len != 1 : (int64_t)scale.len != x->shape[axis])
        return ember_fail(err, EMBER_ERR_VERIFY, "%s: %u scales for axis %ld", what, scale.len, (long)axis);
    for (uint32_t i = 0; i < scale.len; i++) {
        float s = fb_f32(f, scale.pos + 4 * i);
        if (!(s > 0.0f) || !isfinite(s))
            return ember_fail(err, EMBER_ERR_VERIFY, "%s: scale %u is not finite and > 0", what, i);
    }
    for (uint32_t i = 0; i < zero.len; i++) {
        int64_t z = fb_i64(f, zero.pos + 8 * i);
        int64_t lo = x->dtype == EMBER_DTYPE_INT8 ? -128 : -((int64_t)1 << 31);
        int64_t hi = x->dtype == EMBER_DTYPE_INT8 ? 127 : ((int64_t)1 << 31) - 1;
        if (z < lo || z > hi)
            return ember_fail(err, EMBER_ERR_VERIFY, "%s: zero point %lld out of range for the dtype", what,
                              (long long)z);
        x->asymmetric |= z != 0;
    }
    x->scales = f->b + scale.pos;
    x->n_scales = (int32_t)scale.len;
    x->quant_axis = (int8_t)axis;
    if (axis == -1 && zero.len == 1) {
        x->quantized = 1;
        x->scale = fb_f32(f, scale.pos);
        x->zero_point = (int32_t)fb_i64(f, zero.pos);
    }
    return EMBER_OK;
}
