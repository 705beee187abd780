/* Decode an operator's options table into plain params (ember_params). Field ids, sizes
 * and defaults are schema.h's (generated from schema/program.fbs). */
#include "handles.h"

/* Field F of options table T (CONV2D, STRIDE_H, ...) with its schema default. */
#define INT(T, F, is_signed) \
    fb_read_int(f, t, EMBER_##T##_##F, EMBER_##T##_##F##_BYTES, (is_signed), EMBER_##T##_##F##_DEFAULT)
#define I32(T, F) ((int32_t)INT(T, F, 1))
#define I64(T, F) INT(T, F, 1)
#define BOOL(T, F) ((int32_t)(INT(T, F, 0) != 0))
#define F32(T, F) fb_read_f32(f, t, EMBER_##T##_##F, EMBER_##T##_##F##_DEFAULT)
#define F64(T, F) fb_read_f64(f, t, EMBER_##T##_##F, EMBER_##T##_##F##_DEFAULT)
/* Every field of options table T must lie inside the table. */
#define FIELDS(T) fields(f, t, (const uint8_t[])EMBER_##T##_SIZES, EMBER_##T##_FIELDS, err, what)
#define TRY(expr) do { ember_status s_ = (expr); if (s_ != EMBER_OK) return s_; } while (0)

static ember_status fields(const fb_buf *f, const fb_table *t, const uint8_t *sizes, int n, ember_error *err,
                           const char *what) {
    for (int id = 0; id < n; id++) {
        uint32_t at;
        TRY(fb_field(f, t, id, sizes[id], &at, err, what));
    }
    return EMBER_OK;
}

static ember_status activation(int32_t a, ember_error *err, const char *what) {
    if (a < 0 || a >= EMBER_ACT_COUNT)
        return ember_fail(err, EMBER_ERR_VERIFY, "%s: activation %d not in the Activation enum", what, (int)a);
    return EMBER_OK;
}

/* An int32 vector field of at most `max` entries into out[], its length into *n. */
static ember_status i32_vector(const fb_buf *f, const fb_table *t, int id, int32_t *out, int32_t *n, uint32_t max,
                               ember_error *err, const char *what) {
    fb_vec v;
    TRY(fb_sub_vector(f, t, id, 4, 4, &v, err, what));
    if (v.len > max) return ember_fail(err, EMBER_ERR_VERIFY, "%s: %u entries, at most %u", what, v.len, max);
    for (uint32_t i = 0; i < v.len; i++) out[i] = fb_i32(f, v.pos + 4 * i);
    *n = (int32_t)v.len;
    return EMBER_OK;
}

static ember_status conv2d(const fb_buf *f, const fb_table *t, ember_conv2d_params *p, ember_error *err,
                           const char *what) {
    TRY(FIELDS(CONV2D));
    p->stride_h = I32(CONV2D, STRIDE_H);
    p->stride_w = I32(CONV2D, STRIDE_W);
    p->pad_top = I32(CONV2D, PAD_TOP);
    p->pad_left = I32(CONV2D, PAD_LEFT);
    p->pad_bottom = I32(CONV2D, PAD_BOTTOM);
    p->pad_right = I32(CONV2D, PAD_RIGHT);
    p->dilation_h = I32(CONV2D, DILATION_H);
    p->dilation_w = I32(CONV2D, DILATION_W);
    p->groups = I32(CONV2D, GROUPS);
    p->activation = I32(CONV2D, ACTIVATION);
    return activation(p->activation, err, what);
}

static ember_status pool2d(const fb_buf *f, const fb_table *t, ember_pool2d_params *p, ember_error *err,
                           const char *what) {
    TRY(FIELDS(POOL2D));
    p->kernel_h = I32(POOL2D, KERNEL_H);
    p->kernel_w = I32(POOL2D, KERNEL_W);
    p->stride_h = I32(POOL2D, STRIDE_H);
    p->stride_w = I32(POOL2D, STRIDE_W);
    p->pad_top = I32(POOL2D, PAD_TOP);
    p->pad_left = I32(POOL2D, PAD_LEFT);
    p->pad_bottom = I32(POOL2D, PAD_BOTTOM);
    p->pad_right = I32(POOL2D, PAD_RIGHT);
    p->dilation_h = I32(POOL2D, DILATION_H);
    p->dilation_w = I32(POOL2D, DILATION_W);
    p->count_include_pad = BOOL(POOL2D, COUNT_INCLUDE_PAD);
    p->divisor = I32(POOL2D, DIVISOR);
    return EMBER_OK;
}

static ember_status pad(const fb_buf *f, const fb_table *t, ember_pad_params *p, ember_error *err, const char *what) {
    fb_vec pads;
    TRY(FIELDS(PAD));
    TRY(fb_sub_vector(f, t, EMBER_PAD_PADS, 8, 8, &pads, err, what));
    if (pads.len > 2 * EMBER_MAX_RANK)
        return ember_fail(err, EMBER_ERR_VERIFY, "%s: %u pads, at most %d", what, pads.len, 2 * EMBER_MAX_RANK);
    for (uint32_t i = 0; i < pads.len; i++) p->pads[i] = fb_i64(f, pads.pos + 8 * i);
    p->n_pads = (int32_t)pads.len;
    p->value = F32(PAD, VALUE);
    return EMBER_OK;
}

/* An enum field's value must name one of its `count` values. */
static ember_status enum_value(int32_t v, int32_t count, const char *field, ember_error *err, const char *what) {
    if (v < 0 || v >= count)
        return ember_fail(err, EMBER_ERR_VERIFY, "%s: %s %d not in its enum", what, field, (int)v);
    return EMBER_OK;
}

/* The options tables schema 2.3 added. */
static ember_status added_in_2_3(const fb_buf *f, const fb_table *t, int32_t type, ember_params *out,
                                 ember_error *err, const char *what) {
    switch (type) {
    case EMBER_OPT_SCATTER:
        TRY(FIELDS(SCATTER));
        out->scatter.axis = I32(SCATTER, AXIS);
        out->scatter.reduction = I32(SCATTER, REDUCTION);
        return enum_value(out->scatter.reduction, EMBER_REDUCTION_COUNT, "reduction", err, what);
    case EMBER_OPT_ARG:
        TRY(FIELDS(ARG));
        out->arg.axis = I32(ARG, AXIS);
        out->arg.keep_dims = BOOL(ARG, KEEP_DIMS);
        out->arg.select_last_index = BOOL(ARG, SELECT_LAST_INDEX);
        return EMBER_OK;
    case EMBER_OPT_TOP_K:
        TRY(FIELDS(TOP_K));
        out->topk.axis = I32(TOP_K, AXIS);
        out->topk.largest = BOOL(TOP_K, LARGEST);
        return EMBER_OK;
    case EMBER_OPT_GRID_SAMPLE:
        TRY(FIELDS(GRID_SAMPLE));
        out->grid_sample.mode = I32(GRID_SAMPLE, MODE);
        out->grid_sample.padding = I32(GRID_SAMPLE, PADDING);
        out->grid_sample.align_corners = BOOL(GRID_SAMPLE, ALIGN_CORNERS);
        TRY(enum_value(out->grid_sample.mode, EMBER_SAMPLE_COUNT, "mode", err, what));
        return enum_value(out->grid_sample.padding, EMBER_SAMPLE_PAD_COUNT, "padding", err, what);
    default:
        return ember_fail(err, EMBER_ERR_VERIFY, "%s: options type %d not in the Options union", what, (int)type);
    }
}

/* The options tables of one field or a few. */
static ember_status small(const fb_buf *f, const fb_table *t, int32_t type, ember_params *out, ember_error *err,
                          const char *what) {
    switch (type) {
    case EMBER_OPT_FULLY_CONNECTED:
        TRY(FIELDS(FULLY_CONNECTED));
        out->act.activation = I32(FULLY_CONNECTED, ACTIVATION);
        out->act.dynamic_quantization = BOOL(FULLY_CONNECTED, DYNAMIC_QUANTIZATION);
        return activation(out->act.activation, err, what);
    case EMBER_OPT_BINARY:
        TRY(FIELDS(BINARY));
        out->act.activation = I32(BINARY, ACTIVATION);
        return activation(out->act.activation, err, what);
    case EMBER_OPT_CLAMP:
        TRY(FIELDS(CLAMP));
        out->clamp.min = F32(CLAMP, MIN);
        out->clamp.max = F32(CLAMP, MAX);
        return EMBER_OK;
    case EMBER_OPT_GELU:
        TRY(FIELDS(GELU));
        out->gelu.tanh_approximation = BOOL(GELU, TANH_APPROXIMATION);
        return EMBER_OK;
    case EMBER_OPT_AXIS:
        TRY(FIELDS(AXIS));
        out->axis.axis = I32(AXIS, AXIS);
        return EMBER_OK;
    case EMBER_OPT_LAYER_NORM:
        TRY(FIELDS(LAYER_NORM));
        out->layer_norm.axis = I32(LAYER_NORM, AXIS);
        out->layer_norm.epsilon = F32(LAYER_NORM, EPSILON);
        return EMBER_OK;
    case EMBER_OPT_SLICE:
        TRY(FIELDS(SLICE));
        out->slice.axis = I32(SLICE, AXIS);
        out->slice.start = I64(SLICE, START);
        out->slice.step = I64(SLICE, STEP);
        return EMBER_OK;
    case EMBER_OPT_ARANGE:
        TRY(FIELDS(ARANGE));
        out->arange.start = F64(ARANGE, START);
        out->arange.step = F64(ARANGE, STEP);
        return EMBER_OK;
    case EMBER_OPT_FULL:
        TRY(FIELDS(FULL));
        out->full.value = F64(FULL, VALUE);
        return EMBER_OK;
    case EMBER_OPT_RESIZE:
        TRY(FIELDS(RESIZE));
        out->resize.align_corners = BOOL(RESIZE, ALIGN_CORNERS);
        out->resize.scale_h = F32(RESIZE, SCALE_H);
        out->resize.scale_w = F32(RESIZE, SCALE_W);
        return EMBER_OK;
    default: return added_in_2_3(f, t, type, out, err, what);
    }
}

ember_status ember_decode_options(const fb_buf *f, const fb_table *t, int32_t type, ember_params *out,
                                  ember_error *err, const char *what) {
    memset(out, 0, sizeof *out);
    /* An absent options table (t->pos == 0) gives every field its default. */
    switch (type) {
    case EMBER_OPT_NONE: return EMBER_OK;
    case EMBER_OPT_CONV2D: return conv2d(f, t, &out->conv2d, err, what);
    case EMBER_OPT_POOL2D: return pool2d(f, t, &out->pool2d, err, what);
    case EMBER_OPT_PAD: return pad(f, t, &out->pad, err, what);
    case EMBER_OPT_REDUCE:
        TRY(FIELDS(REDUCE));
        out->reduce.keep_dims = BOOL(REDUCE, KEEP_DIMS);
        return i32_vector(f, t, EMBER_REDUCE_AXES, out->reduce.axes, &out->reduce.n_axes, EMBER_MAX_RANK, err,
                          what);
    case EMBER_OPT_PERMUTE:
        TRY(FIELDS(PERMUTE));
        return i32_vector(f, t, EMBER_PERMUTE_PERM, out->permute.perm, &out->permute.n_perm, EMBER_MAX_RANK, err,
                          what);
    default: return small(f, t, type, out, err, what);
    }
}
