/* Decode an operator's options table into plain params (ember_params). */
#include "handles.h"

#define I32(id, dflt) ((int32_t)fb_read_int(f, t, (id), 4, 1, (dflt)))
#define BOOL(id) ((int32_t)(fb_read_int(f, t, (id), 1, 0, 0) != 0))
#define ACT(id) ((int32_t)fb_read_int(f, t, (id), 1, 1, 0))

/* Every field of a table must lie inside it: check ids 0..n-1 with their sizes. */
static ember_status fields(const fb_buf *f, const fb_table *t, const uint8_t *sizes, int n, ember_error *err,
                           const char *what) {
    for (int id = 0; id < n; id++) {
        uint32_t at;
        ember_status s = fb_field(f, t, id, sizes[id], &at, err, what);
        if (s != EMBER_OK) return s;
    }
    return EMBER_OK;
}

static ember_status activation(int32_t a, ember_error *err, const char *what) {
    if (a < EMBER_ACT_NONE || a > EMBER_ACT_RELU6)
        return ember_fail(err, EMBER_ERR_VERIFY, "%s: activation %d not in the Activation enum", what, (int)a);
    return EMBER_OK;
}

ember_status ember_decode_options(const fb_buf *f, const fb_table *t, int32_t type, ember_params *out,
                                  ember_error *err, const char *what) {
    static const uint8_t conv[] = {4, 4, 4, 4, 4, 4, 4, 4, 4, 1}, one[] = {1}, two_bytes[] = {1, 1}, clamp[] = {4, 4},
                         axis[] = {4}, reduce[] = {4, 1}, ln[] = {4, 4},
                         pool[] = {4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 1, 4}, slice[] = {4, 8, 8}, pad[] = {4, 4},
                         perm[] = {4}, f64x2[] = {8, 8}, f64[] = {8}, resize[] = {1, 4, 4};
    ember_status s = EMBER_OK;
    memset(out, 0, sizeof *out);
    if (type == EMBER_OPT_NONE) return EMBER_OK;
    /* An absent options table (t->pos == 0) gives every field its default. */
    switch (type) {
    case EMBER_OPT_CONV2D:
        if ((s = fields(f, t, conv, 10, err, what)) != EMBER_OK) return s;
        out->conv2d.stride_h = I32(0, 1);
        out->conv2d.stride_w = I32(1, 1);
        out->conv2d.pad_top = I32(2, 0);
        out->conv2d.pad_left = I32(3, 0);
        out->conv2d.pad_bottom = I32(4, 0);
        out->conv2d.pad_right = I32(5, 0);
        out->conv2d.dilation_h = I32(6, 1);
        out->conv2d.dilation_w = I32(7, 1);
        out->conv2d.groups = I32(8, 1);
        out->conv2d.activation = ACT(9);
        return activation(out->conv2d.activation, err, what);
    case EMBER_OPT_FULLY_CONNECTED:
        if ((s = fields(f, t, two_bytes, 2, err, what)) != EMBER_OK) return s;
        out->act.activation = ACT(0);
        out->act.dynamic_quantization = BOOL(1);
        return activation(out->act.activation, err, what);
    case EMBER_OPT_BINARY:
        if ((s = fields(f, t, one, 1, err, what)) != EMBER_OK) return s;
        out->act.activation = ACT(0);
        return activation(out->act.activation, err, what);
    case EMBER_OPT_CLAMP:
        if ((s = fields(f, t, clamp, 2, err, what)) != EMBER_OK) return s;
        out->clamp.min = fb_read_f32(f, t, 0, 0.0f);
        out->clamp.max = fb_read_f32(f, t, 1, 0.0f);
        return EMBER_OK;
    case EMBER_OPT_GELU:
        if ((s = fields(f, t, one, 1, err, what)) != EMBER_OK) return s;
        out->gelu.tanh_approximation = BOOL(0);
        return EMBER_OK;
    case EMBER_OPT_AXIS:
        if ((s = fields(f, t, axis, 1, err, what)) != EMBER_OK) return s;
        out->axis.axis = I32(0, 0);
        return EMBER_OK;
    case EMBER_OPT_REDUCE: {
        fb_vec axes;
        if ((s = fields(f, t, reduce, 2, err, what)) != EMBER_OK) return s;
        if ((s = fb_sub_vector(f, t, 0, 4, 4, &axes, err, what)) != EMBER_OK) return s;
        if (axes.len > EMBER_MAX_RANK)
            return ember_fail(err, EMBER_ERR_VERIFY, "%s: %u reduction axes, at most %d", what, axes.len, EMBER_MAX_RANK);
        for (uint32_t i = 0; i < axes.len; i++) out->reduce.axes[i] = fb_i32(f, axes.pos + 4 * i);
        out->reduce.n_axes = (int32_t)axes.len;
        out->reduce.keep_dims = BOOL(1);
        return EMBER_OK;
    }
    case EMBER_OPT_LAYER_NORM:
        if ((s = fields(f, t, ln, 2, err, what)) != EMBER_OK) return s;
        out->layer_norm.axis = I32(0, 0);
        out->layer_norm.epsilon = fb_read_f32(f, t, 1, 0.0f);
        return EMBER_OK;
    case EMBER_OPT_POOL2D:
        if ((s = fields(f, t, pool, 12, err, what)) != EMBER_OK) return s;
        out->pool2d.kernel_h = I32(0, 0);
        out->pool2d.kernel_w = I32(1, 0);
        out->pool2d.stride_h = I32(2, 1);
        out->pool2d.stride_w = I32(3, 1);
        out->pool2d.pad_top = I32(4, 0);
        out->pool2d.pad_left = I32(5, 0);
        out->pool2d.pad_bottom = I32(6, 0);
        out->pool2d.pad_right = I32(7, 0);
        out->pool2d.dilation_h = I32(8, 1);
        out->pool2d.dilation_w = I32(9, 1);
        out->pool2d.count_include_pad = BOOL(10);
        out->pool2d.divisor = I32(11, 0);
        return EMBER_OK;
    case EMBER_OPT_SLICE:
        if ((s = fields(f, t, slice, 3, err, what)) != EMBER_OK) return s;
        out->slice.axis = I32(0, 0);
        out->slice.start = fb_read_int(f, t, 1, 8, 1, 0);
        out->slice.step = fb_read_int(f, t, 2, 8, 1, 1);
        return EMBER_OK;
    case EMBER_OPT_PAD: {
        fb_vec pads;
        if ((s = fields(f, t, pad, 2, err, what)) != EMBER_OK) return s;
        if ((s = fb_sub_vector(f, t, 0, 8, 8, &pads, err, what)) != EMBER_OK) return s;
        if (pads.len > 2 * EMBER_MAX_RANK)
            return ember_fail(err, EMBER_ERR_VERIFY, "%s: %u pads, at most %d", what, pads.len, 2 * EMBER_MAX_RANK);
        for (uint32_t i = 0; i < pads.len; i++) out->pad.pads[i] = fb_i64(f, pads.pos + 8 * i);
        out->pad.n_pads = (int32_t)pads.len;
        out->pad.value = fb_read_f32(f, t, 1, 0.0f);
        return EMBER_OK;
    }
    case EMBER_OPT_PERMUTE: {
        fb_vec p;
        if ((s = fields(f, t, perm, 1, err, what)) != EMBER_OK) return s;
        if ((s = fb_sub_vector(f, t, 0, 4, 4, &p, err, what)) != EMBER_OK) return s;
        if (p.len > EMBER_MAX_RANK)
            return ember_fail(err, EMBER_ERR_VERIFY, "%s: permutation of %u axes, at most %d", what, p.len, EMBER_MAX_RANK);
        for (uint32_t i = 0; i < p.len; i++) out->permute.perm[i] = fb_i32(f, p.pos + 4 * i);
        out->permute.n_perm = (int32_t)p.len;
        return EMBER_OK;
    }
    case EMBER_OPT_ARANGE:
        if ((s = fields(f, t, f64x2, 2, err, what)) != EMBER_OK) return s;
        out->arange.start = fb_read_f64(f, t, 0, 0.0);
        out->arange.step = fb_read_f64(f, t, 1, 1.0);
        return EMBER_OK;
    case EMBER_OPT_FULL:
        if ((s = fields(f, t, f64, 1, err, what)) != EMBER_OK) return s;
        out->full.value = fb_read_f64(f, t, 0, 0.0);
        return EMBER_OK;
    case EMBER_OPT_RESIZE:
        if ((s = fields(f, t, resize, 3, err, what)) != EMBER_OK) return s;
        out->resize.align_corners = BOOL(0);
        out->resize.scale_h = fb_read_f32(f, t, 1, 0.0f);
        out->resize.scale_w = fb_read_f32(f, t, 2, 0.0f);
        return EMBER_OK;
    default:
        return ember_fail(err, EMBER_ERR_VERIFY, "%s: options type %d not in the Options union", what, (int)type);
    }
}
