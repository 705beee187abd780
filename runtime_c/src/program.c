/* ember_program_load: verify the whole file once, keep pointers into it. */
#include <stdio.h>

#include "handles.h"

typedef char program_fits[sizeof(struct ember_program) <= EMBER_PROGRAM_BYTES ? 1 : -1];

static const char *const status_names[] = {
    "EMBER_OK", "EMBER_ERR_ARGUMENT", "EMBER_ERR_FORMAT", "EMBER_ERR_VERSION", "EMBER_ERR_VERIFY",
    "EMBER_ERR_UNSUPPORTED", "EMBER_ERR_MEMORY", "EMBER_ERR_INPUT", "EMBER_ERR_EXECUTION",
    "EMBER_ERR_STATE"};

const char *ember_status_str(ember_status status) {
    unsigned s = (unsigned)status;
    return s < sizeof status_names / sizeof status_names[0] ? status_names[s] : "EMBER_ERR_UNKNOWN";
}

size_t ember_dtype_size(ember_dtype dtype) {
    switch (dtype) {
    case EMBER_DTYPE_FLOAT32: case EMBER_DTYPE_INT32: return 4;
    case EMBER_DTYPE_INT64: case EMBER_DTYPE_FLOAT64: return 8;
    case EMBER_DTYPE_FLOAT16: return 2;
    case EMBER_DTYPE_INT8: case EMBER_DTYPE_BOOL: case EMBER_DTYPE_UINT8: return 1;
    }
    return 0;
}

ember_status ember_fail(ember_error *err, ember_status status, const char *fmt, ...) {
    if (err != NULL && err->text != NULL && err->size > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->text, err->size, fmt, ap);
        va_end(ap);
    }
    return status;
}

const char *ember_opcode_name(uint32_t opcode) {
    return opcode < EMBER_OPCODE_COUNT ? ember_op_specs[opcode].name : "UNKNOWN";
}

#define TRY(expr) do { ember_status s_ = (expr); if (s_ != EMBER_OK) return s_; } while (0)

/* Reads a scalar field after checking that it lies inside its table. */
static ember_status scalar(const fb_buf *f, const fb_table *t, int id, uint32_t size, ember_error *err,
                           const char *what) {
    uint32_t at;
    return fb_field(f, t, id, size, &at, err, what);
}

/* Element count of a shape vector with every dimension in [0, 2^40] and the product too. */
/* The element count of a shape. The product of its non-zero dimensions is bounded too,
 * not only the running product: a shape like (0, 2^40, 2^40) holds no elements, but kernels
 * multiply trailing dimensions (strides, planes, row lengths), which must not overflow.
 * Any product of a tensor's dimensions is then at most 2^40, also at run time, where each
 * dynamic dimension is at most its maximum. */
static ember_status shape_count(const fb_buf *f, const fb_vec *shape, int64_t *count, ember_error *err,
                                const char *what) {
    int64_t n = 1, zero = 0;
    if (shape->len > EMBER_MAX_RANK)
        return ember_fail(err, EMBER_ERR_VERIFY, "%s: rank %u exceeds this runtime's maximum %d", what,
                          shape->len, EMBER_MAX_RANK);
    for (uint32_t d = 0; d < shape->len; d++) {
        int64_t v = fb_i64(f, shape->pos + 8 * d);
        if (v < 0 || v > EMBER_MAX_ELEMENTS)
            return ember_fail(err, EMBER_ERR_VERIFY, "%s: dimension %u is %lld, outside [0, 2^40]", what, d,
                              (long long)v);
        if (v == 0) {
            zero = 1;
            continue;
        }
        if (n > EMBER_MAX_ELEMENTS / v)
            return ember_fail(err, EMBER_ERR_VERIFY, "%s: element count (of the non-zero dimensions) exceeds 2^40",
                              what);
        n *= v;
    }
    *count = zero ? 0 : n;
    return EMBER_OK;
}

/* One step of a dimension program on a and b (schema/dims.py has the reference): both within
 * [-2^40, 2^40], so sums fit and products are checked before they are formed. 0: fails. */
static int dim_binary(int op, int64_t a, int64_t b, int64_t *out) {
    int64_t q;
    if ((op == EMBER_DIM_FLOOR_DIV || op == EMBER_DIM_CEIL_DIV || op == EMBER_DIM_MOD) && b < 1) return 0;
    switch (op) {
    case EMBER_DIM_ADD: *out = a + b; return 1;
    case EMBER_DIM_MUL:
        if (a != 0 && (b > EMBER_DIM_LIMIT / (a < 0 ? -a : a) || b < -EMBER_DIM_LIMIT / (a < 0 ? -a : a))) return 0;
        *out = a * b;
        return 1;
    case EMBER_DIM_FLOOR_DIV: q = a / b; *out = q - (a % b != 0 && a < 0); return 1;
    case EMBER_DIM_CEIL_DIV: q = a / b; *out = q + (a % b != 0 && a > 0); return 1;
    case EMBER_DIM_MOD: q = a % b; *out = q < 0 ? q + b : q; return 1;
    case EMBER_DIM_MIN: *out = a < b ? a : b; return 1;
    case EMBER_DIM_MAX: *out = a > b ? a : b; return 1;
    default: return 0;
    }
}

/* Dimension program d of a tensor (schema 2.2) at sizes sym. With `verify`, its structure
 * is checked first (the loader); the values are checked on every evaluation. */
static ember_status eval_program(const fb_buf *f, const ember_dim_ref *r, int32_t d, const int64_t *sym,
                                 int verify, int64_t *out, ember_error *err, const char *what) {
    fb_vec progs = {r->programs, r->n_programs}, steps;
    fb_table prog;
    int64_t stack[EMBER_DIM_MAX_DEPTH];
    int depth = 0;
    if (r->programs == 0 || (uint32_t)d >= r->n_programs)
        return ember_fail(err, EMBER_ERR_VERIFY, "%s dim %d: coeff -1 and no dimension program", what, (int)d);
    TRY(fb_vec_table(f, &progs, (uint32_t)d, &prog, err, "dimension program"));
    TRY(fb_sub_vector(f, &prog, DP_STEPS, EMBER_DIMSTEP_BYTES, 8, &steps, err, "dimension program"));
    if (steps.len < 1 || steps.len > EMBER_DIM_MAX_STEPS)
        return ember_fail(err, EMBER_ERR_VERIFY, "%s dim %d: dimension program of %u steps (1 to %d)", what, (int)d,
                          steps.len, EMBER_DIM_MAX_STEPS);
    for (uint32_t k = 0; k < steps.len; k++) {
        int op = f->b[steps.pos + EMBER_DIMSTEP_BYTES * k];
        int64_t value = fb_i64(f, steps.pos + EMBER_DIMSTEP_BYTES * k + 8), v = 0;
        int leaf = op == EMBER_DIM_CONST || op == EMBER_DIM_SIZE;
        if (verify && (op >= EMBER_DIM_COUNT || (op == EMBER_DIM_SIZE && (value < 0 || value >= r->n_symbols)) ||
                       (op == EMBER_DIM_CONST && (value < -EMBER_DIM_LIMIT || value > EMBER_DIM_LIMIT)) ||
                       (!leaf && value != 0) || (leaf ? depth >= EMBER_DIM_MAX_DEPTH : depth < 2)))
            return ember_fail(err, EMBER_ERR_VERIFY, "%s dim %d: dimension program step %u (op %d, value %lld) "
                              "is malformed at stack depth %d", what, (int)d, k, op, (long long)value, depth);
        if (op == EMBER_DIM_CONST) v = value;
        else if (op == EMBER_DIM_SIZE) v = sym[value];
        else if (!dim_binary(op, stack[depth - 2], stack[depth - 1], &v) || v < -EMBER_DIM_LIMIT || v > EMBER_DIM_LIMIT)
            return ember_fail(err, verify ? EMBER_ERR_VERIFY : EMBER_ERR_INPUT, "%s dim %d: dimension program step %u "
                              "fails (a divisor below 1 or a value beyond 2^40) at these sizes", what, (int)d, k);
        depth -= leaf ? -1 : 1;
        stack[depth - 1] = v;
    }
    if (depth != 1)
        return ember_fail(err, EMBER_ERR_VERIFY, "%s dim %d: dimension program ends with %d values", what, (int)d, depth);
    *out = stack[0];
    return EMBER_OK;
}

ember_status ember_eval_dims(const fb_buf *f, const ember_dim_ref *r, const int64_t *sym, int verify,
                             int64_t *shape, ember_error *err, const char *what) {
    for (int32_t d = 0; d < r->rank; d++) {
        size_t at = (size_t)r->dims + EMBER_DIMEXPR_BYTES * (size_t)d;
        int64_t coeff = fb_i64(f, at), add = fb_i64(f, at + 8);
        int16_t sa = (int16_t)fb_u16(f, at + 16), sb = (int16_t)fb_u16(f, at + 18);
        int64_t v = coeff;
        if (coeff == -1) {       /* a dimension program: at most the planned size, at any sizes */
            TRY(eval_program(f, r, d, sym, verify, &v, err, what));
            if (!verify && (v < 0 || v > fb_i64(f, (size_t)r->shape + 8 * (size_t)d)))
                return ember_fail(err, EMBER_ERR_INPUT, "%s dim %d: the dimension program gives %lld at these "
                                  "sizes, outside 0..%lld (the size it was planned for)", what, (int)d, (long long)v,
                                  (long long)fb_i64(f, (size_t)r->shape + 8 * (size_t)d));
            shape[d] = v;
            continue;
        }
        if (coeff != 0) {
            int64_t a = sa >= 0 ? sym[sa] : 1, b = sb >= 0 ? sym[sb] : 1;
            if (a > EMBER_MAX_ELEMENTS / v) goto overflow;
            v *= a;
            if (b > EMBER_MAX_ELEMENTS / v) goto overflow;
            v *= b;
        }
        v = coeff != 0 ? v + add : add;
        if (v < 0 || v > EMBER_MAX_ELEMENTS)
            return ember_fail(err, EMBER_ERR_VERIFY, "%s dim %d: expression gives %lld, outside [0, 2^40]",
                              what, (int)d, (long long)v);
        shape[d] = v;
        continue;
    overflow:
        return ember_fail(err, EMBER_ERR_VERIFY, "%s dim %d: expression overflows", what, (int)d);
    }
    return EMBER_OK;
}

/* A tensor's dynamic dimensions: one DimExpr per dimension (not for a constant), symbols
 * in range, bounded terms, a well-formed program where coeff is -1 (schema 2.2) and none
 * elsewhere, and each giving the declared shape at the symbols' maxima. */
static ember_status verify_dims(const fb_buf *f, const fb_table *t, const fb_vec *dims, const fb_vec *shape,
                                int64_t storage, int32_t n_symbols, const int64_t *sym_max, ember_error *err,
                                const char *what) {
    int64_t at_max[EMBER_MAX_RANK];
    fb_vec progs;
    if (dims->len != shape->len)
        return ember_fail(err, EMBER_ERR_VERIFY, "%s: %u dims for rank %u", what, dims->len, shape->len);
    if (storage == EMBER_STORAGE_CONSTANT)
        return ember_fail(err, EMBER_ERR_VERIFY, "%s: a constant cannot have dynamic dimensions", what);
    if (storage == EMBER_STORAGE_STATE)
        return ember_fail(err, EMBER_ERR_VERIFY, "%s: a state tensor cannot have dynamic dimensions", what);
    TRY(fb_sub_vector(f, t, T_DIM_PROGRAMS, 4, 4, &progs, err, what));
    if (progs.pos != 0 && progs.len != shape->len)
        return ember_fail(err, EMBER_ERR_VERIFY, "%s: %u dim_programs for rank %u", what, progs.len, shape->len);
    for (uint32_t d = 0; d < dims->len; d++) {
        size_t at = (size_t)dims->pos + EMBER_DIMEXPR_BYTES * d;
        int64_t coeff = fb_i64(f, at), add = fb_i64(f, at + 8);
        int16_t sa = (int16_t)fb_u16(f, at + 16), sb = (int16_t)fb_u16(f, at + 18);
        fb_table prog;
        fb_vec steps = {0, 0};
        if (progs.pos != 0) {
            TRY(fb_vec_table(f, &progs, d, &prog, err, "dimension program"));
            TRY(fb_sub_vector(f, &prog, DP_STEPS, EMBER_DIMSTEP_BYTES, 8, &steps, err, "dimension program"));
        }
        if (coeff == -1) continue;                  /* checked by eval_program below */
        if (steps.len != 0)
            return ember_fail(err, EMBER_ERR_VERIFY, "%s dim %u: a dimension program on a DimExpr dimension", what, d);
        if (sa < -1 || sa >= n_symbols || sb < -1 || sb >= n_symbols)
            return ember_fail(err, EMBER_ERR_VERIFY, "%s dim %u: symbol %d or %d out of range [-1, %d)",
                              what, d, sa, sb, (int)n_symbols);
        if (coeff < 0 || coeff > EMBER_MAX_ELEMENTS || add < -EMBER_MAX_ELEMENTS || add > EMBER_MAX_ELEMENTS)
            return ember_fail(err, EMBER_ERR_VERIFY, "%s dim %u: coefficient %lld or constant %lld out of range",
                              what, d, (long long)coeff, (long long)add);
    }
    ember_dim_ref r = {dims->pos, progs.pos, progs.len, shape->pos, (int32_t)dims->len, n_symbols};
    TRY(ember_eval_dims(f, &r, sym_max, 1, at_max, err, what));
    for (uint32_t d = 0; d < dims->len; d++)
        if (at_max[d] != fb_i64(f, shape->pos + 8 * d))
            return ember_fail(err, EMBER_ERR_VERIFY, "%s dim %u: expression gives %lld at the maxima, shape says %lld",
                              what, d, (long long)at_max[d], (long long)fb_i64(f, shape->pos + 8 * d));
    return EMBER_OK;
}

/* A tensor's bytes [offset, offset + nbytes): aligned and inside the constant segment or
 * the arena, by its storage. */
static ember_status verify_place(int64_t storage, uint64_t offset, uint64_t nbytes, uint64_t seg_size,
                                 uint64_t arena_size, ember_error *err, const char *what) {
    if (storage == EMBER_STORAGE_CONSTANT) {
        if (offset % EMBER_CONSTANT_ALIGNMENT != 0)
            return ember_fail(err, EMBER_ERR_VERIFY, "%s: constant offset %llu not %d-byte aligned", what,
                              (unsigned long long)offset, EMBER_CONSTANT_ALIGNMENT);
        if (nbytes > seg_size || offset > seg_size - nbytes)
            return ember_fail(err, EMBER_ERR_VERIFY, "%s: data [%llu, %llu) exceeds constant segment of %llu bytes",
                              what, (unsigned long long)offset, (unsigned long long)(offset + nbytes),
                              (unsigned long long)seg_size);
    } else if (storage == EMBER_STORAGE_ARENA) {
        if (offset % EMBER_ARENA_ALIGNMENT != 0)
            return ember_fail(err, EMBER_ERR_VERIFY, "%s: arena offset %llu not %d-byte aligned", what,
                              (unsigned long long)offset, EMBER_ARENA_ALIGNMENT);
        if (nbytes > arena_size || offset > arena_size - nbytes)
            return ember_fail(err, EMBER_ERR_VERIFY, "%s: [%llu, %llu) exceeds arena of %llu bytes", what,
                              (unsigned long long)offset, (unsigned long long)(offset + nbytes),
                              (unsigned long long)arena_size);
    } else {
        return ember_fail(err, EMBER_ERR_VERIFY, "%s: storage %lld not in the Storage enum", what, (long long)storage);
    }
    return EMBER_OK;
}

/* The fields of a sized record (TensorData, StateTensor): field ids of its dtype, shape,
 * offset and nbytes. */
typedef struct sized_fields { int dtype, shape, offset, nbytes; } sized_fields;

/* A sized record: scalar fields, a dtype in the enum, its shape's element count, and nbytes
 * equal to count x item size. Gives the dtype, shape, offset and nbytes for the caller's
 * check of where the bytes lie. */
static ember_status verify_sized(const fb_buf *f, const fb_table *t, sized_fields id, int64_t *dtype, fb_vec *shape,
                                 uint64_t *offset, uint64_t *nbytes, ember_error *err, const char *what) {
    int64_t count;
    TRY(scalar(f, t, id.dtype, 1, err, what));
    TRY(scalar(f, t, id.offset, 8, err, what));
    TRY(scalar(f, t, id.nbytes, 8, err, what));
    *dtype = fb_read_int(f, t, id.dtype, 1, 1, 0);
    size_t item = ember_dtype_size((ember_dtype)*dtype);
    if (*dtype < 0 || item == 0)
        return ember_fail(err, EMBER_ERR_VERIFY, "%s: dtype %lld not in the DType enum", what, (long long)*dtype);
    TRY(fb_sub_vector(f, t, id.shape, 8, 8, shape, err, what));
    TRY(shape_count(f, shape, &count, err, what));
    *nbytes = (uint64_t)fb_read_int(f, t, id.nbytes, 8, 0, 0);
    *offset = (uint64_t)fb_read_int(f, t, id.offset, 8, 0, 0);
    if (*nbytes != (uint64_t)count * item)
        return ember_fail(err, EMBER_ERR_VERIFY, "%s: nbytes %llu != %lld x %zu", what, (unsigned long long)*nbytes,
                          (long long)count, item);
    return EMBER_OK;
}

static ember_status verify_tensor_data(const fb_buf *f, const fb_table *td, uint64_t seg_size, ember_error *err,
                                       const char *what);

/* ---- program state (schema 2.4) --------------------------------------------------- */
/* State tensor j's offset and bytes (both verified by verify_state before any lookup). */
static uint64_t state_field(const ember_program *p, uint32_t j, int id, fb_table *st) {
    char scratch[8];
    ember_error quiet = {scratch, sizeof scratch};
    if (fb_vec_table(&p->f, &p->state, j, st, &quiet, "") != EMBER_OK) return UINT64_MAX;
    return (uint64_t)fb_read_int(&p->f, st, id, 8, 0, 0);
}

/* The state tensor at `offset` into *st: binary search when the offsets increase, else a
 * scan (at most EMBER_MAX_STATE_TENSORS). 0 when none is there. */
static int state_find(const ember_program *p, uint64_t offset, fb_table *st) {
    if (p->state_sorted) {
        uint32_t lo = 0, hi = p->state.len;
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            uint64_t at = state_field(p, mid, ST_OFFSET, st);
            if (at == offset) return 1;
            if (at < offset) lo = mid + 1;
            else hi = mid;
        }
        return 0;
    }
    for (uint32_t j = 0; j < p->state.len; j++)
        if (state_field(p, j, ST_OFFSET, st) == offset) return 1;
    return 0;
}

/* Two shape vectors (verified) are equal. */
static int same_shape_vec(const fb_buf *f, const fb_vec *a, const fb_vec *b) {
    if (a->len != b->len) return 0;
    for (uint32_t d = 0; d < a->len; d++)
        if (fb_i64(f, a->pos + 8 * d) != fb_i64(f, b->pos + 8 * d)) return 0;
    return 1;
}

/* One StateTensor: name, dtype, shape against nbytes, [offset, offset + nbytes) 16-byte
 * aligned inside state_size, and its initial value (of its dtype and shape, inside the
 * constant segment) when it has one. */
static ember_status verify_state_tensor(const ember_program *p, const fb_table *st, uint32_t j, ember_error *err) {
    const fb_buf *f = &p->f;
    char what[96];
    uint32_t name;
    fb_vec shape;
    fb_table init;
    int64_t dtype = 0;
    uint64_t offset = 0, nbytes = 0;
    snprintf(what, sizeof what, "state tensor %u", j);
    TRY(fb_sub_string(f, st, ST_NAME, &name, err, what));
    snprintf(what, sizeof what, "state tensor %u ('%.40s')", j, fb_str(f, name));
    const sized_fields ids = {ST_DTYPE, ST_SHAPE, ST_OFFSET, ST_NBYTES};
    TRY(verify_sized(f, st, ids, &dtype, &shape, &offset, &nbytes, err, what));
    if (offset % EMBER_ARENA_ALIGNMENT != 0 || nbytes > p->state_size || offset > p->state_size - nbytes)
        return ember_fail(err, EMBER_ERR_VERIFY, "%s: [%llu, %llu) not %d-aligned inside the state memory of %llu "
                          "bytes", what, (unsigned long long)offset, (unsigned long long)(offset + nbytes),
                          EMBER_ARENA_ALIGNMENT, (unsigned long long)p->state_size);
    TRY(fb_sub_table(f, st, ST_INITIAL, 0, &init, err, what));
    if (init.pos != 0) {
        fb_vec ishape;
        TRY(verify_tensor_data(f, &init, p->seg_size, err, what));
        TRY(fb_sub_vector(f, &init, D_SHAPE, 8, 8, &ishape, err, what));
        if (fb_read_int(f, &init, D_DTYPE, 1, 1, 0) != dtype || !same_shape_vec(f, &ishape, &shape) ||
            (uint64_t)fb_read_int(f, &init, D_NBYTES, 8, 0, 0) != nbytes)
            return ember_fail(err, EMBER_ERR_VERIFY, "%s: the initial value is not a tensor of its dtype and shape",
                              what);
    }
    return EMBER_OK;
}

/* Program.state and state_size: the size a multiple of 16 up to 2^40, each state tensor
 * (verify_state_tensor), offsets distinct, and no two non-empty state tensors overlapping. */
static ember_status verify_state(ember_program *p, ember_error *err) {
    const fb_buf *f = &p->f;
    fb_table st, other;
    TRY(scalar(f, &p->root, P_STATE_SIZE, 8, err, "program"));
    p->state_size = (uint64_t)fb_read_int(f, &p->root, P_STATE_SIZE, 8, 0, 0);
    if (p->state_size % EMBER_ARENA_ALIGNMENT != 0 || p->state_size > ((uint64_t)1 << 40))
        return ember_fail(err, EMBER_ERR_VERIFY, "state size %llu is not a multiple of %d up to 2^40",
                          (unsigned long long)p->state_size, EMBER_ARENA_ALIGNMENT);
    TRY(fb_sub_vector(f, &p->root, P_STATE, 4, 4, &p->state, err, "program state"));
    if (p->state.len > EMBER_MAX_STATE_TENSORS)
        return ember_fail(err, EMBER_ERR_UNSUPPORTED, "%u state tensors, more than this runtime verifies (%d)",
                          p->state.len, EMBER_MAX_STATE_TENSORS);
    p->state_sorted = 1;
    for (uint32_t j = 0; j < p->state.len; j++) {
        TRY(fb_vec_table(f, &p->state, j, &st, err, "program state"));
        TRY(verify_state_tensor(p, &st, j, err));
        if (j > 0 && state_field(p, j, ST_OFFSET, &st) <= state_field(p, j - 1, ST_OFFSET, &other))
            p->state_sorted = 0;
    }
    /* Sorted: one sweep keeps the furthest end of the non-empty ones so far; else pairwise. */
    uint64_t end = 0;
    uint32_t owner = 0;
    for (uint32_t j = 0; j < p->state.len; j++) {
        uint64_t a0 = state_field(p, j, ST_OFFSET, &st), a1 = a0 + state_field(p, j, ST_NBYTES, &st);
        if (p->state_sorted) {
            if (a1 > a0 && a0 < end)
                return ember_fail(err, EMBER_ERR_VERIFY, "state tensors %u and %u overlap", owner, j);
            if (a1 > a0 && a1 > end) end = a1, owner = j;
            continue;
        }
        for (uint32_t k = 0; k < j; k++) {
            uint64_t b0 = state_field(p, k, ST_OFFSET, &other), b1 = b0 + state_field(p, k, ST_NBYTES, &other);
            if (a0 == b0)
                return ember_fail(err, EMBER_ERR_VERIFY, "state tensor %u: offset %llu of another state tensor (%u)",
                                  j, (unsigned long long)a0, k);
            if (a1 > a0 && b1 > b0 && a0 < b1 && b0 < a1)
                return ember_fail(err, EMBER_ERR_VERIFY, "state tensors %u and %u overlap", k, j);
        }
    }
    return EMBER_OK;
}

/* A STATE tensor of a method: one of Program.state (by offset) of the same dtype and shape. */
static ember_status verify_state_ref(const ember_program *p, uint64_t offset, int64_t dtype, const fb_vec *shape,
                                     ember_error *err, const char *what) {
    fb_table st;
    fb_vec sshape;
    if (!state_find(p, offset, &st))
        return ember_fail(err, EMBER_ERR_VERIFY, "%s: STATE at offset %llu is none of the program's %u state tensors",
                          what, (unsigned long long)offset, p->state.len);
    TRY(fb_sub_vector(&p->f, &st, ST_SHAPE, 8, 8, &sshape, err, what));
    if (fb_read_int(&p->f, &st, ST_DTYPE, 1, 1, 0) != dtype || !same_shape_vec(&p->f, &sshape, shape))
        return ember_fail(err, EMBER_ERR_VERIFY, "%s: STATE at offset %llu is not a state tensor of its dtype and "
                          "shape", what, (unsigned long long)offset);
    return EMBER_OK;
}

static ember_status verify_tensor(const ember_program *p, const fb_table *t, int32_t n_symbols, const int64_t *sym_max,
                                  uint64_t arena_size, ember_error *err, const char *what) {
    const fb_buf *f = &p->f;
    uint64_t seg_size = p->seg_size;
    uint32_t name;
    fb_vec shape, dims;
    int64_t count;
    TRY(fb_sub_string(f, t, T_NAME, &name, err, what));
    TRY(scalar(f, t, T_DTYPE, 1, err, what));
    TRY(scalar(f, t, T_STORAGE, 1, err, what));
    TRY(scalar(f, t, T_OFFSET, 8, err, what));
    TRY(scalar(f, t, T_NBYTES, 8, err, what));
    TRY(scalar(f, t, T_LAYOUT, 1, err, what));
    int64_t dtype = fb_read_int(f, t, T_DTYPE, 1, 1, 0);
    size_t item = ember_dtype_size((ember_dtype)dtype);
    if (dtype < 0 || item == 0)
        return ember_fail(err, EMBER_ERR_UNSUPPORTED, "%s: dtype %lld not in the DType enum", what, (long long)dtype);
    TRY(fb_sub_vector(f, t, T_SHAPE, 8, 8, &shape, err, what));
    TRY(shape_count(f, &shape, &count, err, what));
    uint64_t nbytes = (uint64_t)fb_read_int(f, t, T_NBYTES, 8, 0, 0);
    if (nbytes != (uint64_t)count * item)
        return ember_fail(err, EMBER_ERR_VERIFY, "%s: nbytes %llu != %lld elements x %zu bytes", what,
                          (unsigned long long)nbytes, (long long)count, item);
    TRY(fb_sub_vector(f, t, T_DIMS, EMBER_DIMEXPR_BYTES, 8, &dims, err, what));
    int64_t storage = fb_read_int(f, t, T_STORAGE, 1, 1, 0);
    uint64_t offset = (uint64_t)fb_read_int(f, t, T_OFFSET, 8, 0, 0);
    if (dims.pos != 0) TRY(verify_dims(f, t, &dims, &shape, storage, n_symbols, sym_max, err, what));
    else {
        fb_vec progs;
        TRY(fb_sub_vector(f, t, T_DIM_PROGRAMS, 4, 4, &progs, err, what));
        if (progs.pos != 0) return ember_fail(err, EMBER_ERR_VERIFY, "%s: dim_programs without dims", what);
    }
    if (storage == EMBER_STORAGE_STATE) TRY(verify_state_ref(p, offset, dtype, &shape, err, what));
    else TRY(verify_place(storage, offset, nbytes, seg_size, arena_size, err, what));
    int64_t layout = fb_read_int(f, t, T_LAYOUT, 1, 1, 0);
    if (layout != EMBER_LAYOUT_ROW_MAJOR && layout != EMBER_LAYOUT_PANELS16)
        return ember_fail(err, EMBER_ERR_UNSUPPORTED, "%s: layout %lld not in the Layout enum", what, (long long)layout);
    if (layout != EMBER_LAYOUT_ROW_MAJOR &&
        (storage != EMBER_STORAGE_CONSTANT || dtype != EMBER_DTYPE_FLOAT32 || shape.len != 2))
        return ember_fail(err, EMBER_ERR_VERIFY, "%s: layout PANELS16 needs a FLOAT32 rank-2 constant", what);
    {
        ember_tensor x;
        memset(&x, 0, sizeof x);
        x.dtype = (uint8_t)dtype;
        x.rank = (uint8_t)shape.len;
        for (uint32_t d = 0; d < shape.len; d++) x.shape[d] = fb_i64(f, shape.pos + 8 * d);
        TRY(ember_tensor_quant(f, t, T_QUANTIZATION, &x, err));
    }
    return EMBER_OK;
}

static ember_status verify_indices(const fb_buf *f, const fb_vec *v, int32_t n_tensors, uint32_t optional_mask,
                                   ember_error *err, const char *what) {
    for (uint32_t i = 0; i < v->len; i++) {
        int32_t k = fb_i32(f, v->pos + 4 * i);
        int absent_ok = i < 32 && (optional_mask >> i) & 1u;
        if (!(k >= 0 && k < n_tensors) && !(k == -1 && absent_ok))
            return ember_fail(err, EMBER_ERR_VERIFY, "%s %u: tensor index %d out of range [0, %d)", what, i,
                              k, (int)n_tensors);
    }
    return EMBER_OK;
}

static int64_t tensor_field(const fb_buf *f, const fb_vec *tensors, int32_t k, int id, uint32_t size) {
    fb_table t;
    char scratch[8];
    ember_error quiet = {scratch, sizeof scratch};
    if (k < 0 || fb_vec_table(f, tensors, (uint32_t)k, &t, &quiet, "") != EMBER_OK) return -1;
    return fb_read_int(f, &t, id, size, 1, 0);
}

/* Tensor k has a Quantization table (its int8 values are quantized reals). */
static int tensor_quantized(const fb_buf *f, const fb_vec *tensors, int32_t k) {
    fb_table t, q;
    char scratch[8];
    ember_error quiet = {scratch, sizeof scratch};
    if (k < 0 || fb_vec_table(f, tensors, (uint32_t)k, &t, &quiet, "") != EMBER_OK) return 0;
    return fb_sub_table(f, &t, T_QUANTIZATION, 0, &q, &quiet, "") == EMBER_OK && q.pos != 0;
}

/* The dtype rules of an op's row in the table: storage dtypes (FLOAT16, FLOAT64) only on CAST
 * and data movement; FLOAT32 only on a float-only op (but its INT8 weight), unless it runs int8. */
static ember_status verify_operand_dtypes(const fb_buf *f, const fb_vec *tensors, const fb_vec *ins, const fb_vec *outs,
                                          const ember_op_spec *spec, int int8, ember_error *err, const char *what) {
    for (uint32_t i = 0; i < ins->len + outs->len; i++) {
        int32_t k = i < ins->len ? fb_i32(f, ins->pos + 4 * i) : fb_i32(f, outs->pos + 4 * (i - ins->len));
        int64_t dt = k >= 0 ? tensor_field(f, tensors, k, T_DTYPE, 1) : EMBER_DTYPE_FLOAT32;
        if (!(spec->flags & EMBER_OPF_STORAGE_DTYPES) && (dt == EMBER_DTYPE_FLOAT16 || dt == EMBER_DTYPE_FLOAT64))
            return ember_fail(err, EMBER_ERR_VERIFY, "%s (%s): operand %u (tensor %d) has a storage dtype "
                              "(FLOAT16/FLOAT64: CAST and data movement only)", what, spec->name, i, k);
        if (int8 || !(spec->flags & EMBER_OPF_FLOAT_ONLY)) continue;
        if (i == 1 && (spec->flags & EMBER_OPF_INT8_WEIGHT) && dt == EMBER_DTYPE_INT8) continue;
        if (dt != EMBER_DTYPE_FLOAT32)
            return ember_fail(err, EMBER_ERR_VERIFY, "%s (%s): operand %u (tensor %d) must be FLOAT32", what,
                              spec->name, i, k);
    }
    return EMBER_OK;
}

static ember_status verify_operator(const fb_buf *f, const fb_table *op, const fb_vec *tensors, ember_error *err,
                                    const char *what) {
    fb_vec ins, outs;
    uint32_t source;
    fb_table options;
    ember_params params;
    TRY(scalar(f, op, O_OPCODE, 2, err, what));
    TRY(scalar(f, op, O_OPTIONS_TYPE, 1, err, what));
    uint32_t code = (uint32_t)fb_read_int(f, op, O_OPCODE, 2, 0, 0);
    if (code >= EMBER_OPCODE_COUNT)
        return ember_fail(err, EMBER_ERR_UNSUPPORTED, "%s: opcode %u not in the OpCode enum (this runtime knows %d)",
                          what, code, EMBER_OPCODE_COUNT);
    const ember_op_spec *spec = &ember_op_specs[code];
    if (ember_op_lookup(code) == NULL)
        return ember_fail(err, EMBER_ERR_UNSUPPORTED, "%s: op %s is not in this build of the runtime", what, spec->name);
    TRY(fb_sub_vector(f, op, O_INPUTS, 4, 4, &ins, err, what));
    TRY(fb_sub_vector(f, op, O_OUTPUTS, 4, 4, &outs, err, what));
    TRY(fb_sub_string(f, op, O_SOURCE, &source, err, what));
    if ((int32_t)ins.len < spec->min_inputs || (int32_t)ins.len > spec->max_inputs)
        return ember_fail(err, EMBER_ERR_VERIFY, "%s (%s): %u inputs, expected %d..%d", what, spec->name, ins.len,
                          (int)spec->min_inputs, (int)spec->max_inputs);
    if ((int32_t)outs.len != spec->outputs)
        return ember_fail(err, EMBER_ERR_VERIFY, "%s (%s): %u outputs, expected %d", what, spec->name, outs.len,
                          (int)spec->outputs);
    int32_t n_tensors = (int32_t)tensors->len;
    TRY(verify_indices(f, &ins, n_tensors, spec->optional_mask, err, what));
    TRY(verify_indices(f, &outs, n_tensors, 0, err, what));
    for (uint32_t i = 0; i < ins.len; i++) {
        int32_t k = fb_i32(f, ins.pos + 4 * i);
        if (k >= 0 && tensor_field(f, tensors, k, T_LAYOUT, 1) != EMBER_LAYOUT_ROW_MAJOR &&
            !(code == EMBER_OPCODE_FULLY_CONNECTED && i == 1))
            return ember_fail(err, EMBER_ERR_VERIFY,
                              "%s (%s): input %u (tensor %d) is stored PANELS16, which only FULLY_CONNECTED's weight may be",
                              what, spec->name, i, k);
    }
    for (uint32_t i = 0; i < outs.len; i++) {
        int32_t k = fb_i32(f, outs.pos + 4 * i);
        if (code == EMBER_OPCODE_INDEX_COPY) {   /* the one op that writes state: in place, input 0 */
            if (tensor_field(f, tensors, k, T_STORAGE, 1) != EMBER_STORAGE_STATE || k != fb_i32(f, ins.pos))
                return ember_fail(err, EMBER_ERR_VERIFY, "%s (%s): output %u (tensor %d) must be input 0, a state "
                                  "tensor updated in place", what, spec->name, i, k);
            continue;
        }
        if (tensor_field(f, tensors, k, T_STORAGE, 1) != EMBER_STORAGE_ARENA)
            return ember_fail(err, EMBER_ERR_VERIFY, "%s (%s): output %u (tensor %d) is not in the arena", what,
                              spec->name, i, k);
    }
    /* An op with an int8 kernel runs it when its output is INT8; that kernel's
     * check verifies the int8 operands. QuantParams is verified for every op. */
    ember_quant quant;
    TRY(ember_decode_quant(f, op, O_QUANT, &quant, err));
    int int8 = ember_op_lookup_int8(code) != NULL &&
               tensor_field(f, tensors, fb_i32(f, outs.pos), T_DTYPE, 1) == EMBER_DTYPE_INT8 &&
               tensor_quantized(f, tensors, fb_i32(f, outs.pos));
    TRY(verify_operand_dtypes(f, tensors, &ins, &outs, spec, int8, err, what));
    if (!int8) {   /* what only an int8 kernel reads: a float op refuses it, as the Python loader does */
        fb_table qp;
        TRY(fb_sub_table(f, op, O_QUANT, 0, &qp, err, what));
        if (qp.pos != 0 && !(spec->flags & EMBER_OPF_QUANT_PASSTHROUGH))
            return ember_fail(err, EMBER_ERR_VERIFY, "%s (%s): QuantParams on a float operator", what, spec->name);
        if ((spec->flags & EMBER_OPF_INT8_TABLE) && ins.len != 1)
            return ember_fail(err, EMBER_ERR_VERIFY, "%s (%s): a table input is for int8 operators only", what,
                              spec->name);
    }
    if ((spec->flags & EMBER_OPF_BOOL_OUT) &&
        tensor_field(f, tensors, fb_i32(f, outs.pos), T_DTYPE, 1) != EMBER_DTYPE_BOOL)
        return ember_fail(err, EMBER_ERR_VERIFY, "%s (%s): output must be BOOL", what, spec->name);
    int32_t type = (int32_t)fb_read_int(f, op, O_OPTIONS_TYPE, 1, 0, 0);
    if (type != spec->options)
        return ember_fail(err, EMBER_ERR_VERIFY, "%s (%s): options table type %d, expected %d", what, spec->name,
                          (int)type, (int)spec->options);
    TRY(fb_sub_table(f, op, O_OPTIONS, 0, &options, err, what));
    return ember_decode_options(f, &options, type, &params, err, what);
}

static ember_status verify_tensor_data(const fb_buf *f, const fb_table *td, uint64_t seg_size, ember_error *err,
                                       const char *what) {
    fb_vec shape;
    int64_t dtype = 0;
    uint64_t offset = 0, nbytes = 0;
    const sized_fields ids = {D_DTYPE, D_SHAPE, D_OFFSET, D_NBYTES};
    TRY(verify_sized(f, td, ids, &dtype, &shape, &offset, &nbytes, err, what));
    if (offset % EMBER_CONSTANT_ALIGNMENT != 0 || nbytes > seg_size || offset > seg_size - nbytes)
        return ember_fail(err, EMBER_ERR_VERIFY, "%s: data [%llu, %llu) outside constant segment of %llu bytes",
                          what, (unsigned long long)offset, (unsigned long long)(offset + nbytes),
                          (unsigned long long)seg_size);
    return EMBER_OK;
}

/* The method's tensor indices (its inputs, outputs and every operator's) fit the int32
 * count of ember_method. The file size does not bound them: operators may share one
 * table or one index vector, so a small file can repeat a long vector many times.
 * Counted before any operator is verified, so such a file is refused at once. */
static ember_status count_indices(const fb_buf *f, const fb_vec *ops, uint64_t n, ember_error *err,
                                  const char *what) {
    for (uint32_t i = 0; i < ops->len; i++) {
        fb_table op;
        fb_vec ins, outs;
        TRY(fb_vec_table(f, ops, i, &op, err, what));
        TRY(fb_sub_vector(f, &op, O_INPUTS, 4, 4, &ins, err, what));
        TRY(fb_sub_vector(f, &op, O_OUTPUTS, 4, 4, &outs, err, what));
        n += (uint64_t)ins.len + outs.len;
        if (n > (uint64_t)INT32_MAX)
            return ember_fail(err, EMBER_ERR_VERIFY, "%s: more than 2^31 - 1 tensor indices (at operator %u of %u)",
                              what, i, ops->len);
    }
    return EMBER_OK;
}

/* The method's symbols (at most EMBER_MAX_SYMBOLS, each a range 1 <= min <= max <= 2^40);
 * sym_max gets each one's maximum. */
static ember_status verify_symbols(const fb_buf *f, const fb_table *m, fb_vec *symbols, int64_t *sym_max,
                                   ember_error *err, const char *what) {
    TRY(fb_sub_vector(f, m, M_SYMBOLS, 4, 4, symbols, err, what));
    if (symbols->len > EMBER_MAX_SYMBOLS)
        return ember_fail(err, EMBER_ERR_VERIFY, "%s: %u symbols, this runtime supports %d", what, symbols->len,
                          EMBER_MAX_SYMBOLS);
    for (uint32_t i = 0; i < symbols->len; i++) {
        fb_table s;
        uint32_t sname;
        TRY(fb_vec_table(f, symbols, i, &s, err, what));
        TRY(fb_sub_string(f, &s, S_NAME, &sname, err, what));
        TRY(scalar(f, &s, S_MIN, 8, err, what));
        TRY(scalar(f, &s, S_MAX, 8, err, what));
        int64_t lo = fb_read_int(f, &s, S_MIN, 8, 1, 0), hi = fb_read_int(f, &s, S_MAX, 8, 1, 0);
        if (!(1 <= lo && lo <= hi && hi <= EMBER_MAX_ELEMENTS))
            return ember_fail(err, EMBER_ERR_VERIFY, "%s symbol %u: range [%lld, %lld] invalid", what, i,
                              (long long)lo, (long long)hi);
        sym_max[i] = hi;
    }
    return EMBER_OK;
}

/* The bundled test cases: tolerances, and each input's and output's data. */
static ember_status verify_test_cases(const ember_program *p, const fb_table *m, ember_error *err, const char *what) {
    const fb_buf *f = &p->f;
    fb_vec cases;
    TRY(fb_sub_vector(f, m, M_TEST_CASES, 4, 4, &cases, err, what));
    for (uint32_t c = 0; c < cases.len; c++) {
        fb_table tc;
        char cwhat[128];
        snprintf(cwhat, sizeof cwhat, "%s test case %u", what, c);
        TRY(fb_vec_table(f, &cases, c, &tc, err, cwhat));
        TRY(scalar(f, &tc, C_ATOL, 4, err, cwhat));
        TRY(scalar(f, &tc, C_RTOL, 4, err, cwhat));
        for (int kind = 0; kind < 2; kind++) {
            fb_vec datas;
            TRY(fb_sub_vector(f, &tc, kind ? C_OUTPUTS : C_INPUTS, 4, 4, &datas, err, cwhat));
            for (uint32_t j = 0; j < datas.len; j++) {
                fb_table td;
                char dwhat[160];
                snprintf(dwhat, sizeof dwhat, "%s %s %u", cwhat, kind ? "output" : "input", j);
                TRY(fb_vec_table(f, &datas, j, &td, err, dwhat));
                TRY(verify_tensor_data(f, &td, p->seg_size, err, dwhat));
            }
        }
    }
    return EMBER_OK;
}

static ember_status verify_method(const ember_program *p, const fb_table *m, int32_t index, ember_error *err) {
    const fb_buf *f = &p->f;
    char what[96];
    fb_vec tensors, symbols, inputs, outputs, ops;
    uint32_t name;
    int64_t sym_max[EMBER_MAX_SYMBOLS];
    snprintf(what, sizeof what, "method %d", (int)index);
    TRY(fb_sub_string(f, m, M_NAME, &name, err, what));
    snprintf(what, sizeof what, "method '%.40s'", fb_str(f, name));
    TRY(scalar(f, m, M_ARENA_SIZE, 8, err, what));
    TRY(scalar(f, m, M_LIVE_BYTES_LOWER_BOUND, 8, err, what));
    uint64_t arena_size = (uint64_t)fb_read_int(f, m, M_ARENA_SIZE, 8, 0, 0);
    if (arena_size > ((uint64_t)1 << 48))
        return ember_fail(err, EMBER_ERR_VERIFY, "%s: arena of %llu bytes is implausible", what,
                          (unsigned long long)arena_size);
    TRY(verify_symbols(f, m, &symbols, sym_max, err, what));
    TRY(fb_sub_vector(f, m, M_TENSORS, 4, 4, &tensors, err, what));
    if (tensors.len > (uint32_t)INT32_MAX / 2)
        return ember_fail(err, EMBER_ERR_VERIFY, "%s: %u tensors", what, tensors.len);
    for (uint32_t i = 0; i < tensors.len; i++) {
        fb_table t;
        char twhat[128];
        snprintf(twhat, sizeof twhat, "%s tensor %u", what, i);
        TRY(fb_vec_table(f, &tensors, i, &t, err, twhat));
        TRY(verify_tensor(p, &t, (int32_t)symbols.len, sym_max, arena_size, err, twhat));
    }
    TRY(fb_sub_vector(f, m, M_INPUTS, 4, 4, &inputs, err, what));
    TRY(fb_sub_vector(f, m, M_OUTPUTS, 4, 4, &outputs, err, what));
    TRY(verify_indices(f, &inputs, (int32_t)tensors.len, 0, err, "input"));
    TRY(verify_indices(f, &outputs, (int32_t)tensors.len, 0, err, "output"));
    if (outputs.len == 0) return ember_fail(err, EMBER_ERR_VERIFY, "%s has no outputs", what);
    for (uint32_t i = 0; i < outputs.len; i++) {
        int32_t k = fb_i32(f, outputs.pos + 4 * i);
        if (tensor_field(f, &tensors, k, T_LAYOUT, 1) != EMBER_LAYOUT_ROW_MAJOR)
            return ember_fail(err, EMBER_ERR_VERIFY, "%s output %u: tensor %d is not row-major", what, i, k);
    }
    for (uint32_t i = 0; i < inputs.len; i++) {
        int32_t k = fb_i32(f, inputs.pos + 4 * i);
        if (tensor_field(f, &tensors, k, T_STORAGE, 1) != EMBER_STORAGE_ARENA)
            return ember_fail(err, EMBER_ERR_VERIFY, "%s input %u: tensor %d is not in the arena", what, i, k);
    }
    TRY(fb_sub_vector(f, m, M_OPERATORS, 4, 4, &ops, err, what));
    TRY(count_indices(f, &ops, (uint64_t)inputs.len + outputs.len, err, what));
    for (uint32_t i = 0; i < ops.len; i++) {
        fb_table op;
        char owhat[128];
        snprintf(owhat, sizeof owhat, "%s operator %u", what, i);
        TRY(fb_vec_table(f, &ops, i, &op, err, owhat));
        TRY(verify_operator(f, &op, &tensors, err, owhat));
    }
    return verify_test_cases(p, m, err, what);
}

static ember_status load(ember_program *p, const void *data, size_t size, ember_error *err) {
    const uint8_t *b = (const uint8_t *)data;
    if (data == NULL) return ember_fail(err, EMBER_ERR_ARGUMENT, "file buffer is NULL");
    if ((uintptr_t)data % EMBER_ALIGNMENT != 0)
        return ember_fail(err, EMBER_ERR_ARGUMENT, "file buffer is not %d-byte aligned", EMBER_ALIGNMENT);
    {   /* weights are read in place as float/int arrays: the host must be little-endian */
        const uint16_t one = 1;
        if (*(const uint8_t *)&one != 1)
            return ember_fail(err, EMBER_ERR_UNSUPPORTED, "big-endian hosts are not supported");
    }
    if (size < 8 || memcmp(b + 4, EMBER_FILE_IDENTIFIER, 4) != 0)
        return ember_fail(err, EMBER_ERR_FORMAT, "not an Ember program: no '" EMBER_FILE_IDENTIFIER "' identifier (file of %zu bytes)",
                          size);
    if (size > (size_t)UINT32_MAX)
        return ember_fail(err, EMBER_ERR_FORMAT, "file of %zu bytes exceeds the 4 GiB FlatBuffer limit", size);
    p->f.b = b;
    p->f.n = size;
    const fb_buf *f = &p->f;
    TRY(fb_table_at(f, fb_u32(f, 0), &p->root, err, "program"));
    TRY(scalar(f, &p->root, P_VERSION_MAJOR, 2, err, "program"));
    TRY(scalar(f, &p->root, P_VERSION_MINOR, 2, err, "program"));
    p->version_major = (uint16_t)fb_read_int(f, &p->root, P_VERSION_MAJOR, 2, 0, 0);
    p->version_minor = (uint16_t)fb_read_int(f, &p->root, P_VERSION_MINOR, 2, 0, 0);
    if (p->version_major > EMBER_VERSION_MAJOR)
        return ember_fail(err, EMBER_ERR_VERSION, "file schema version %u.%u is newer than this runtime's %d.%d",
                          p->version_major, p->version_minor, EMBER_VERSION_MAJOR, EMBER_VERSION_MINOR);
    TRY(scalar(f, &p->root, P_CONSTANT_SEGMENT_OFFSET, 8, err, "program"));
    TRY(scalar(f, &p->root, P_CONSTANT_SEGMENT_SIZE, 8, err, "program"));
    p->seg_offset = (uint64_t)fb_read_int(f, &p->root, P_CONSTANT_SEGMENT_OFFSET, 8, 0, 0);
    p->seg_size = (uint64_t)fb_read_int(f, &p->root, P_CONSTANT_SEGMENT_SIZE, 8, 0, 0);
    if (p->seg_offset % EMBER_CONSTANT_ALIGNMENT != 0)
        return ember_fail(err, EMBER_ERR_VERIFY, "constant segment offset %llu is not a multiple of %d",
                          (unsigned long long)p->seg_offset, EMBER_CONSTANT_ALIGNMENT);
    if (p->seg_offset > size || p->seg_size > size - p->seg_offset)
        return ember_fail(err, EMBER_ERR_FORMAT, "truncated: constant segment [%llu, %llu) exceeds file of %zu bytes",
                          (unsigned long long)p->seg_offset, (unsigned long long)(p->seg_offset + p->seg_size), size);
    TRY(verify_state(p, err));
    TRY(fb_sub_vector(f, &p->root, P_METHODS, 4, 4, &p->methods, err, "program methods"));
    if (p->methods.len == 0) return ember_fail(err, EMBER_ERR_VERIFY, "program has no methods");
    for (uint32_t i = 0; i < p->methods.len; i++) {
        fb_table m;
        TRY(fb_vec_table(f, &p->methods, i, &m, err, "program methods"));
        TRY(verify_method(p, &m, (int32_t)i, err));
        for (uint32_t j = 0; j < i; j++) {
            fb_table other;
            uint32_t a, c;
            TRY(fb_vec_table(f, &p->methods, j, &other, err, "program methods"));
            TRY(fb_sub_string(f, &m, M_NAME, &a, err, "method"));
            TRY(fb_sub_string(f, &other, M_NAME, &c, err, "method"));
            if (strcmp(fb_str(f, a), fb_str(f, c)) == 0)
                return ember_fail(err, EMBER_ERR_VERIFY, "methods %u and %u are both named '%.40s'", j, i, fb_str(f, a));
        }
    }
    TRY(fb_sub_vector(f, &p->root, P_METADATA, 4, 4, &p->metadata, err, "program metadata"));
    for (uint32_t i = 0; i < p->metadata.len; i++) {
        fb_table kv;
        uint32_t k, v;
        TRY(fb_vec_table(f, &p->metadata, i, &kv, err, "metadata"));
        TRY(fb_sub_string(f, &kv, KV_KEY, &k, err, "metadata key"));
        TRY(fb_sub_string(f, &kv, KV_VALUE, &v, err, "metadata value"));
    }
    return EMBER_OK;
}

ember_status ember_program_load(void *mem, size_t mem_bytes, const void *data, size_t size, ember_program **out) {
    if (out != NULL) *out = NULL;
    if (mem == NULL || out == NULL || mem_bytes < sizeof(ember_program) || (uintptr_t)mem % 8 != 0)
        return EMBER_ERR_ARGUMENT;
    ember_program *p = (ember_program *)mem;
    memset(p, 0, sizeof *p);
    *out = p;
    ember_error err = {p->message, sizeof p->message};
    ember_status s = load(p, data, size, &err);
    if (s == EMBER_OK) p->magic = EMBER_PROGRAM_MAGIC;
    return s;
}

const char *ember_program_message(const ember_program *program) {
    return program != NULL ? program->message : "no program (NULL handle)";
}

int32_t ember_program_method_count(const ember_program *program) {
    return program != NULL && program->magic == EMBER_PROGRAM_MAGIC ? (int32_t)program->methods.len : 0;
}

const char *ember_program_method_name(const ember_program *program, int32_t index) {
    fb_table m;
    uint32_t name;
    char scratch[8];
    ember_error quiet = {scratch, sizeof scratch};
    if (index < 0 || index >= ember_program_method_count(program)) return NULL;
    if (fb_vec_table(&program->f, &program->methods, (uint32_t)index, &m, &quiet, "") != EMBER_OK ||
        fb_sub_string(&program->f, &m, M_NAME, &name, &quiet, "") != EMBER_OK)
        return NULL;
    return fb_str(&program->f, name);
}

const char *ember_program_metadata(const ember_program *program, const char *key) {
    char scratch[8];
    ember_error quiet = {scratch, sizeof scratch};
    if (program == NULL || program->magic != EMBER_PROGRAM_MAGIC || key == NULL) return NULL;
    for (uint32_t i = 0; i < program->metadata.len; i++) {
        fb_table kv;
        uint32_t k, v;
        if (fb_vec_table(&program->f, &program->metadata, i, &kv, &quiet, "") != EMBER_OK ||
            fb_sub_string(&program->f, &kv, KV_KEY, &k, &quiet, "") != EMBER_OK ||
            fb_sub_string(&program->f, &kv, KV_VALUE, &v, &quiet, "") != EMBER_OK)
            return NULL;
        if (strcmp(fb_str(&program->f, k), key) == 0) return fb_str(&program->f, v);
    }
    return NULL;
}

void ember_program_free(ember_program *program) {
    if (program != NULL) program->magic = 0;
}

/* ---- program state: the caller's memory ------------------------------------------ */
size_t ember_program_state_size(const ember_program *program) {
    if (program == NULL || program->magic != EMBER_PROGRAM_MAGIC) return 0;
    return program->state_size > (uint64_t)SIZE_MAX ? SIZE_MAX : (size_t)program->state_size;
}

ember_status ember_program_state_init(const ember_program *program, void *state, size_t bytes) {
    if (program == NULL) return EMBER_ERR_ARGUMENT;
    if (program->magic != EMBER_PROGRAM_MAGIC) return EMBER_ERR_STATE;
    if (program->state_size == 0) return EMBER_OK;   /* no state: nothing to write */
    if (state == NULL || (uintptr_t)state % EMBER_ALIGNMENT != 0) return EMBER_ERR_ARGUMENT;
    if ((uint64_t)bytes < program->state_size) return EMBER_ERR_MEMORY;
    const fb_buf *f = &program->f;
    uint8_t *base = (uint8_t *)state;
    memset(base, 0, (size_t)program->state_size);
    for (uint32_t j = 0; j < program->state.len; j++) {
        fb_table st, init;
        char scratch[8];
        ember_error quiet = {scratch, sizeof scratch};
        uint64_t offset = state_field(program, j, ST_OFFSET, &st);
        if (offset == UINT64_MAX || fb_sub_table(f, &st, ST_INITIAL, 0, &init, &quiet, "") != EMBER_OK)
            return EMBER_ERR_STATE;   /* verified at load: cannot happen */
        if (init.pos == 0) continue;   /* zeros */
        uint64_t at = (uint64_t)fb_read_int(f, &init, D_OFFSET, 8, 0, 0);
        uint64_t nbytes = (uint64_t)fb_read_int(f, &init, D_NBYTES, 8, 0, 0);
        /* the loader verified [at, at + nbytes) inside the segment and [offset, offset + nbytes)
         * inside state_size; checked again, as every access of this library is */
        if (nbytes > program->seg_size || at > program->seg_size - nbytes || nbytes > program->state_size ||
            offset > program->state_size - nbytes)
            return EMBER_ERR_STATE;
        if (nbytes > 0) memcpy(base + offset, f->b + program->seg_offset + at, (size_t)nbytes);
    }
    return EMBER_OK;
}
