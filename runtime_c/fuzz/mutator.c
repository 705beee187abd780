/* Structure-aware mutations for the fuzzer (LLVMFuzzerCustomMutator).
 *
 * One-byte flips rarely get past the loader's checks: a shape is verified against its
 * nbytes, an index against the tensor count. This mutator walks the program's FlatBuffer
 * with the library's bounds-checked readers (src/fb.h), collects its fields as sites,
 * and edits one site at a time, consistently:
 *   - a dimension, with the tensor's nbytes and (dynamic tensors) its expression's
 *     constant; half the time every dimension of the method with the same value at once,
 *     so that a size changes through a whole graph (batch 2 -> 0, 16 channels -> 17);
 *   - integer fields (enums: dtype, storage, layout, opcode, options type; offsets, arena
 *     size, symbol ranges, options, quantization axis and act range) to edge values;
 *   - the program state (2.4): each StateTensor's dtype, offset, nbytes and shape, its
 *     initial value's TensorData, the state vector's length and element offsets;
 *   - float fields (scales, clamp bounds, epsilons, tolerances) to 0, -0, NaN, inf, tiny;
 *   - tensor indices to other tensors, -1 or out of range;
 *   - vector lengths shrunk (in place: the bytes stay a valid vector);
 *   - offsets retargeted to another object of the same kind (shared tables and vectors:
 *     the cases a one-word mutation never builds);
 *   - the header's dynamic-size picks and thread count (fuzz_input.h);
 * and, a fifth of the time, libFuzzer's own byte-level mutation. Edits are made in
 * place: the file keeps its size. */
#include <stdlib.h>

#include "../src/handles.h"
#include "fuzz_input.h"

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

enum { K_DIM, K_INT, K_FLOAT, K_INDEX, K_VECLEN, K_OFFSET };
/* kinds of objects an offset may be retargeted to */
enum { CL_INDEX_VEC, CL_SHAPE_VEC, CL_TENSOR, CL_OPERATOR, CL_OPTIONS, CL_QUANT, CL_STATE, CL_COUNT };

typedef struct site { uint8_t kind, size, cls; uint32_t pos, a, b; } site;
typedef struct target { uint8_t cls; uint32_t pos; } target;

#define MAX_SITES 16384
#define MAX_TARGETS 4096

typedef struct walk {
    fb_buf f;
    site sites[MAX_SITES];
    target targets[MAX_TARGETS];
    uint32_t n_sites, n_targets;
    uint32_t method_tensors;   /* the tensors vector of the method being walked (for K_DIM) */
} walk;

static walk w;   /* large: static, the fuzzer runs one mutation at a time */
static uint64_t rng;

static uint32_t rnd(void) {
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (uint32_t)((rng * 2685821657736338717ull) >> 32);
}

/* Every site lies inside the program being walked (w.f): edits write only there. */
static void add_site(uint8_t kind, uint8_t size, uint32_t pos, uint32_t a, uint32_t b, uint8_t cls) {
    if (pos == 0 || (uint64_t)pos + size > w.f.n || w.n_sites == MAX_SITES) return;
    site *s = &w.sites[w.n_sites++];
    s->kind = kind, s->size = size, s->pos = pos, s->a = a, s->b = b, s->cls = cls;
}

static void add_target(uint8_t cls, uint32_t pos) {
    if (pos != 0 && w.n_targets < MAX_TARGETS) w.targets[w.n_targets++] = (target){cls, pos};
}

static ember_error quiet(void) {
    static char scratch[EMBER_MESSAGE_BYTES];
    return (ember_error){scratch, sizeof scratch};
}

/* Field `id` of table t as a site of `size` bytes (absent fields cannot be edited in place). */
static void field_site(const fb_table *t, int id, uint8_t kind, uint8_t size) {
    uint32_t at = 0;
    ember_error e = quiet();
    if (fb_field(&w.f, t, id, size, &at, &e, "") == EMBER_OK && at != 0) add_site(kind, size, at, 0, 0, 0);
}

/* The offset field `id` of t (retargetable within class cls); returns its target. */
static uint32_t offset_site(const fb_table *t, int id, uint8_t cls) {
    uint32_t at = 0;
    ember_error e = quiet();
    if (fb_field(&w.f, t, id, 4, &at, &e, "") != EMBER_OK || at == 0) return 0;
    uint32_t to = at + fb_u32(&w.f, at);
    add_site(K_OFFSET, 4, at, 0, 0, cls);
    add_target(cls, to);
    return to;
}

/* A vector field: its length word as a site, its elements as sites of `kind`. */
static void vector_sites(const fb_table *t, int id, uint32_t elem, uint8_t kind, uint32_t a, uint8_t cls) {
    fb_vec v;
    ember_error e = quiet();
    if (cls < CL_COUNT) offset_site(t, id, cls);
    if (fb_sub_vector(&w.f, t, id, elem, elem, &v, &e, "") != EMBER_OK || v.pos == 0) return;
    add_site(K_VECLEN, 4, v.pos - 4, v.len, 0, 0);
    for (uint32_t i = 0; i < v.len && i < 256; i++) add_site(kind, (uint8_t)elem, v.pos + elem * i, a, 0, 0);
}

/* Every field present in table t, sized by the gap to the next field (options and
 * quantization tables, whose layouts differ per type), as integer sites. A field the
 * vtable places at or past the table's end (a mutated vtable) is no site: its position
 * can lie up to 64 KiB past the buffer. */
static void all_fields(const fb_table *t) {
    uint32_t n = t->vt_bytes >= 4 ? (uint32_t)(t->vt_bytes - 4) / 2 : 0;
    for (uint32_t i = 0; i < n && i < 32; i++) {
        uint32_t off = fb_u16(&w.f, t->vt + 4 + 2 * i), gap = t->t_bytes;
        if (off < 4 || off >= gap) continue;
        for (uint32_t j = 0; j < n && j < 32; j++) {
            uint32_t o = fb_u16(&w.f, t->vt + 4 + 2 * j);
            if (o > off && o < gap) gap = o;
        }
        gap -= off;
        uint8_t size = gap >= 8 ? 8 : gap >= 4 ? 4 : gap >= 2 ? 2 : 1;
        add_site(K_INT, size, t->pos + off, 0, 0, 0);
        if (size == 4) add_site(K_FLOAT, 4, t->pos + off, 0, 0, 0);
    }
}

static void walk_quant(const fb_table *owner, int id) {
    fb_table q;
    ember_error e = quiet();
    uint32_t to = offset_site(owner, id, CL_QUANT);
    if (to == 0 || fb_sub_table(&w.f, owner, id, 0, &q, &e, "") != EMBER_OK || q.pos == 0) return;
    all_fields(&q);
    fb_vec v;
    for (int f = 0; f < 2; f++)   /* Quantization: scale [float], zero_point [long]; QuantParams: [int], [byte] */
        if (fb_sub_vector(&w.f, &q, f, 1, 1, &v, &e, "") == EMBER_OK && v.pos != 0) {
            add_site(K_VECLEN, 4, v.pos - 4, v.len, 0, 0);
            for (uint32_t i = 0; i < v.len && i < 64; i++) add_site(K_INT, 1, v.pos + i, 0, 0, 0);
        }
}

static void walk_tensor(const fb_table *t, uint32_t n_tensors) {
    (void)n_tensors;
    field_site(t, T_DTYPE, K_INT, 1);
    field_site(t, T_STORAGE, K_INT, 1);
    field_site(t, T_LAYOUT, K_INT, 1);
    field_site(t, T_OFFSET, K_INT, 8);
    field_site(t, T_NBYTES, K_INT, 8);
    vector_sites(t, T_SHAPE, 8, K_DIM, t->pos, CL_SHAPE_VEC);
    fb_vec dims;
    ember_error e = quiet();
    if (fb_sub_vector(&w.f, t, T_DIMS, 24, 8, &dims, &e, "") == EMBER_OK)
        for (uint32_t d = 0; d < dims.len && d < EMBER_MAX_RANK; d++) {   /* DimExpr: coeff, add, sym_a, sym_b */
            add_site(K_INT, 8, dims.pos + 24 * d, 0, 0, 0);
            add_site(K_INT, 8, dims.pos + 24 * d + 8, 0, 0, 0);
            add_site(K_INT, 2, dims.pos + 24 * d + 16, 0, 0, 0);
            add_site(K_INT, 2, dims.pos + 24 * d + 18, 0, 0, 0);
        }
    walk_quant(t, T_QUANTIZATION);
}

static void walk_method(const fb_table *m) {
    fb_vec tensors, ops, symbols;
    ember_error e = quiet();
    field_site(m, M_ARENA_SIZE, K_INT, 8);
    if (fb_sub_vector(&w.f, m, M_TENSORS, 4, 4, &tensors, &e, "") != EMBER_OK) return;
    w.method_tensors = tensors.pos;
    for (uint32_t i = 0; i < tensors.len && i < 1024; i++) {
        fb_table t;
        if (fb_vec_table(&w.f, &tensors, i, &t, &e, "") != EMBER_OK) return;
        add_target(CL_TENSOR, t.pos);
        add_site(K_OFFSET, 4, tensors.pos + 4 * i, 0, 0, CL_TENSOR);
        walk_tensor(&t, tensors.len);
    }
    vector_sites(m, M_INPUTS, 4, K_INDEX, tensors.len, CL_INDEX_VEC);
    vector_sites(m, M_OUTPUTS, 4, K_INDEX, tensors.len, CL_INDEX_VEC);
    if (fb_sub_vector(&w.f, m, M_SYMBOLS, 4, 4, &symbols, &e, "") == EMBER_OK)
        for (uint32_t i = 0; i < symbols.len; i++) {
            fb_table s;
            if (fb_vec_table(&w.f, &symbols, i, &s, &e, "") != EMBER_OK) break;
            field_site(&s, S_MIN, K_INT, 8);
            field_site(&s, S_MAX, K_INT, 8);
        }
    if (fb_sub_vector(&w.f, m, M_OPERATORS, 4, 4, &ops, &e, "") != EMBER_OK) return;
    for (uint32_t i = 0; i < ops.len && i < 1024; i++) {
        fb_table op, opt;
        if (fb_vec_table(&w.f, &ops, i, &op, &e, "") != EMBER_OK) return;
        add_target(CL_OPERATOR, op.pos);
        add_site(K_OFFSET, 4, ops.pos + 4 * i, 0, 0, CL_OPERATOR);
        field_site(&op, O_OPCODE, K_INT, 2);
        field_site(&op, O_OPTIONS_TYPE, K_INT, 1);
        vector_sites(&op, O_INPUTS, 4, K_INDEX, tensors.len, CL_INDEX_VEC);
        vector_sites(&op, O_OUTPUTS, 4, K_INDEX, tensors.len, CL_INDEX_VEC);
        if (offset_site(&op, O_OPTIONS, CL_OPTIONS) != 0 &&
            fb_sub_table(&w.f, &op, O_OPTIONS, 0, &opt, &e, "") == EMBER_OK && opt.pos != 0)
            all_fields(&opt);
        walk_quant(&op, O_QUANT);
    }
}

/* Program.state (schema 2.4; state_size is one of the root's fields): each StateTensor's
 * dtype, shape, offset and nbytes, and its initial value's TensorData; the StateTensor
 * tables retargetable among themselves, their shapes among all shape vectors. */
static void walk_state(const fb_table *root) {
    fb_vec state;
    ember_error e = quiet();
    if (fb_sub_vector(&w.f, root, P_STATE, 4, 4, &state, &e, "") != EMBER_OK || state.pos == 0) return;
    add_site(K_VECLEN, 4, state.pos - 4, state.len, 0, 0);
    for (uint32_t i = 0; i < state.len && i < 256; i++) {
        fb_table st, data;
        if (fb_vec_table(&w.f, &state, i, &st, &e, "") != EMBER_OK) return;
        add_target(CL_STATE, st.pos);
        add_site(K_OFFSET, 4, state.pos + 4 * i, 0, 0, CL_STATE);
        field_site(&st, ST_DTYPE, K_INT, 1);
        field_site(&st, ST_OFFSET, K_INT, 8);
        field_site(&st, ST_NBYTES, K_INT, 8);
        vector_sites(&st, ST_SHAPE, 8, K_INT, 0, CL_SHAPE_VEC);
        if (fb_sub_table(&w.f, &st, ST_INITIAL, 0, &data, &e, "") == EMBER_OK && data.pos != 0) {
            field_site(&data, D_DTYPE, K_INT, 1);
            field_site(&data, D_OFFSET, K_INT, 8);
            field_site(&data, D_NBYTES, K_INT, 8);
            vector_sites(&data, D_SHAPE, 8, K_INT, 0, CL_SHAPE_VEC);
        }
    }
}

static void walk_program(const uint8_t *prog, size_t n) {
    fb_table root, m;
    fb_vec methods;
    ember_error e = quiet();
    w.f.b = prog, w.f.n = n, w.n_sites = 0, w.n_targets = 0, w.method_tensors = 0;
    if (fb_table_at(&w.f, fb_u32(&w.f, 0), &root, &e, "") != EMBER_OK) return;
    all_fields(&root);   /* versions, segment offset and size, state size */
    walk_state(&root);
    if (fb_sub_vector(&w.f, &root, P_METHODS, 4, 4, &methods, &e, "") != EMBER_OK) return;
    for (uint32_t i = 0; i < methods.len && i < 8; i++)
        if (fb_vec_table(&w.f, &methods, i, &m, &e, "") == EMBER_OK) walk_method(&m);
}

/* ---- edits ------------------------------------------------------------------------- */
/* Writes v (little-endian, `size` bytes) at b[at]; nothing when that runs past the
 * program walked (w.f): no site does, and a stray one must not write outside the buffer. */
static void put(uint8_t *b, uint32_t at, uint64_t v, uint32_t size) {
    if ((uint64_t)at + size > w.f.n) return;
    for (uint32_t i = 0; i < size; i++) b[at + i] = (uint8_t)(v >> (8 * i));
}

static int64_t interesting(int64_t old) {
    static const int64_t edge[] = {0, 1, 2, 3, -1, -2, 7, 8, 15, 16, 17, 31, 32, 33, 127, 128, 255, 256,
                                   32767, 32768, 65535, 65536, 65792, 65793, 33024, 33025,
                                   INT32_MAX, (int64_t)INT32_MAX + 1, INT32_MIN,
                                   (int64_t)1 << 40, ((int64_t)1 << 40) + 1, INT64_MAX, INT64_MIN};
    uint64_t u = (uint64_t)old;   /* wraps: any 64-bit pattern is a fine mutant */
    switch (rnd() % 4) {
    case 0: return (int64_t)(u + (uint64_t)(rnd() % 5) - 2u);
    case 1: return (int64_t)(u * 2u);
    case 2: return (int64_t)(rnd() % 70);
    default: return edge[rnd() % (sizeof edge / sizeof edge[0])];
    }
}

/* Rewrites tensor t's nbytes (when stored) from its shape and dtype, saturating. */
static void fix_nbytes(uint8_t *b, const fb_table *t) {
    fb_vec shape;
    uint32_t at = 0;
    ember_error e = quiet();
    if (fb_sub_vector(&w.f, t, T_SHAPE, 8, 8, &shape, &e, "") != EMBER_OK) return;
    if (fb_field(&w.f, t, T_NBYTES, 8, &at, &e, "") != EMBER_OK || at == 0) return;
    uint64_t count = 1;
    for (uint32_t d = 0; d < shape.len; d++) {
        uint64_t v = fb_u64(&w.f, shape.pos + 8 * d);
        count = v != 0 && count > UINT64_MAX / v ? UINT64_MAX : count * v;
    }
    size_t item = ember_dtype_size((ember_dtype)fb_read_int(&w.f, t, T_DTYPE, 1, 1, 0));
    put(b, at, item != 0 && count <= UINT64_MAX / item ? count * item : count, 8);
}

/* Dimension d of tensor t becomes v: shape, nbytes and the dynamic expression's constant. */
static void set_dim(uint8_t *b, const fb_table *t, uint32_t d, int64_t v) {
    fb_vec shape, dims;
    ember_error e = quiet();
    if (fb_sub_vector(&w.f, t, T_SHAPE, 8, 8, &shape, &e, "") != EMBER_OK || d >= shape.len) return;
    int64_t old = fb_i64(&w.f, shape.pos + 8 * d);
    put(b, shape.pos + 8 * d, (uint64_t)v, 8);
    if (fb_sub_vector(&w.f, t, T_DIMS, 24, 8, &dims, &e, "") == EMBER_OK && d < dims.len) {
        uint32_t add = dims.pos + 24 * d + 8;
        put(b, add, (uint64_t)fb_i64(&w.f, add) + (uint64_t)v - (uint64_t)old, 8);
    }
    fix_nbytes(b, t);
}

static void edit_dim(uint8_t *b, const site *s) {
    fb_table t;
    fb_vec tensors;
    ember_error e = quiet();
    if (fb_table_at(&w.f, s->a, &t, &e, "") != EMBER_OK) return;
    fb_vec shape;
    if (fb_sub_vector(&w.f, &t, T_SHAPE, 8, 8, &shape, &e, "") != EMBER_OK || s->pos < shape.pos) return;
    uint32_t d = (s->pos - shape.pos) / 8;
    int64_t old = fb_i64(&w.f, s->pos), v = interesting(old);
    if (v < 0) v = v == INT64_MIN ? 0 : -v;
    if (rnd() % 2 == 0 || w.method_tensors < 4) {
        set_dim(b, &t, d, v);
        return;
    }
    /* every dimension of the (last walked) method equal to old: the size changes throughout */
    tensors.pos = w.method_tensors, tensors.len = fb_u32(&w.f, w.method_tensors - 4);
    for (uint32_t i = 0; i < tensors.len && i < 1024; i++) {
        fb_table u;
        if (fb_vec_table(&w.f, &tensors, i, &u, &e, "") != EMBER_OK) return;
        if (fb_sub_vector(&w.f, &u, T_SHAPE, 8, 8, &shape, &e, "") != EMBER_OK) continue;
        for (uint32_t k = 0; k < shape.len; k++)
            if (fb_i64(&w.f, shape.pos + 8 * k) == old) set_dim(b, &u, k, v);
    }
}

/* The current value of an integer site (unsigned, its size). */
static int64_t field_value(const site *s) {
    uint64_t v = 0;
    for (uint32_t i = 0; i < s->size; i++) v |= (uint64_t)(s->pos + i < w.f.n ? w.f.b[s->pos + i] : 0) << (8 * i);
    return (int64_t)v;
}

static void edit_float(uint8_t *b, const site *s) {
    static const uint32_t bits[] = {0x00000000u, 0x80000000u, 0x7fc00000u, 0x7f800000u, 0xff800000u,
                                    0x00000001u, 0x3f800000u, 0xbf800000u, 0x7f7fffffu, 0x2f800000u};
    put(b, s->pos, bits[rnd() % (sizeof bits / sizeof bits[0])], 4);
}

static void edit_index(uint8_t *b, const site *s) {
    int64_t n = (int64_t)s->a, v;
    switch (rnd() % 4) {
    case 0: v = -1; break;
    case 1: v = n; break;
    default: v = n > 0 ? (int64_t)(rnd() % (uint32_t)n) : 0; break;
    }
    put(b, s->pos, (uint64_t)v, 4);
}

static void edit_offset(const site *s, uint8_t *b) {
    uint32_t same[MAX_TARGETS], n = 0;
    for (uint32_t i = 0; i < w.n_targets; i++)
        if (w.targets[i].cls == s->cls) same[n++] = w.targets[i].pos;
    if (n == 0) return;
    uint32_t to = same[rnd() % n];
    if (to > s->pos) put(b, s->pos, to - s->pos, 4);   /* uoffsets point forward only */
}

static void edit_header(uint8_t *data) {
    data[4] = (uint8_t)rnd();
    uint32_t i = rnd() % FUZZ_PICKS, v;
    switch (rnd() % 4) {
    case 0: v = 0; break;          /* the minimum */
    case 1: v = FUZZ_PICK_MAX; break;
    case 2: v = 1 + rnd() % 3; break;
    default: v = rnd(); break;
    }
    for (uint32_t k = 0; k < 4; k++) data[8 + 4 * i + k] = (uint8_t)(v >> (8 * k));
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed) {
    rng = (uint64_t)seed * 0x9e3779b97f4a7c15ull + 1;
    if (size < FUZZ_HEADER_BYTES || memcmp(data, FUZZ_MAGIC, 4) != 0) {
        if (size + FUZZ_HEADER_BYTES > max_size) return LLVMFuzzerMutate(data, size, max_size);
        memmove(data + FUZZ_HEADER_BYTES, data, size);   /* a bare program: give it a header */
        memset(data, 0, FUZZ_HEADER_BYTES);
        memcpy(data, FUZZ_MAGIC, 4);
        memset(data + 8, 0xff, 4 * FUZZ_PICKS);
        size += FUZZ_HEADER_BYTES;
    }
    uint8_t *prog = data + FUZZ_HEADER_BYTES;
    size_t n = size - FUZZ_HEADER_BYTES;
    uint32_t choice = rnd() % 10;
    if (choice == 0) {
        edit_header(data);
        return size;
    }
    if (choice <= 2)
        return FUZZ_HEADER_BYTES + LLVMFuzzerMutate(prog, n, max_size - FUZZ_HEADER_BYTES);
    walk_program(prog, n);
    if (w.n_sites == 0) return FUZZ_HEADER_BYTES + LLVMFuzzerMutate(prog, n, max_size - FUZZ_HEADER_BYTES);
    for (uint32_t edits = 1 + (rnd() % 4 == 0); edits > 0; edits--) {
        const site *s = &w.sites[rnd() % w.n_sites];
        switch (s->kind) {
        case K_DIM: edit_dim(prog, s); break;
        case K_INT: put(prog, s->pos, (uint64_t)interesting(field_value(s)), s->size); break;
        case K_FLOAT: edit_float(prog, s); break;
        case K_INDEX: edit_index(prog, s); break;
        case K_VECLEN: put(prog, s->pos, s->a > 0 ? rnd() % s->a : 0, 4); break;
        case K_OFFSET: edit_offset(s, prog); break;
        }
    }
    if (rnd() % 8 == 0) edit_header(data);
    return size;
}
