/* ember_pool: see ember_pool.h.
 *
 * A job is published as (task, ctx, count) plus a new generation number. Every thread,
 * the caller included, claims indices from one 64-bit ticket (generation << 32 | next
 * index) by compare-and-swap, so a late worker can never claim an index of a newer job;
 * each finished task bumps `finished`, and the caller waits for it to reach count.
 * Kernels dispatch jobs of a few microseconds back to back, so workers spin on the
 * generation between jobs (a wake-up through a condition variable costs tens of
 * microseconds) and only sleep after about a millisecond without work. Uses the GCC /
 * Clang __atomic builtins (C99 has no atomics); the library itself needs none of this. */
#define _POSIX_C_SOURCE 200809L
#include "ember_pool.h"

#include <pthread.h>
#include <stdlib.h>

#define SPINS 100000             /* polls of the generation before a worker sleeps */

/* A spin-wait hint: on x86 `pause` leaves the core's resources to a sibling hyperthread
 * (the main thread may be running one op alone there) and saves power. */
static inline void relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

struct ember_pool {
    ember_task_fn task;          /* the current job, written before its generation */
    void *ctx;
    int32_t count;
    uint64_t ticket;             /* atomic: generation << 32 | next unclaimed index */
    uint32_t generation;         /* atomic: bumped to publish a job */
    int32_t finished;            /* atomic: tasks of the current job done */
    int32_t sleepers;            /* atomic: workers in (or entering) the condition wait */
    int32_t stop;                /* atomic */
    pthread_mutex_t lock;        /* for sleeping workers only */
    pthread_cond_t wake;
    pthread_mutex_t serial;      /* one parallel_for at a time */
    int32_t n_workers;
    pthread_t workers[EMBER_MAX_THREADS];
};

/* Runs indices of job `gen` until none is left (or a newer job replaced it). */
static void drain(ember_pool *p, uint32_t gen) {
    for (;;) {
        uint64_t t = __atomic_load_n(&p->ticket, __ATOMIC_ACQUIRE);
        if ((uint32_t)(t >> 32) != gen) return;
        ember_task_fn task = p->task;
        void *ctx = p->ctx;
        uint32_t i = (uint32_t)t;
        if (i >= (uint32_t)p->count) return;
        if (!__atomic_compare_exchange_n(&p->ticket, &t, t + 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) continue;
        task(ctx, (int32_t)i);
        __atomic_fetch_add(&p->finished, 1, __ATOMIC_ACQ_REL);
    }
}

static void *worker_main(void *arg) {
    ember_pool *p = (ember_pool *)arg;
    uint32_t seen = 0;
    for (;;) {
        uint32_t gen = __atomic_load_n(&p->generation, __ATOMIC_ACQUIRE);
        for (long spin = 0; gen == seen && spin < SPINS && !__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE); spin++) {
            relax();
            gen = __atomic_load_n(&p->generation, __ATOMIC_ACQUIRE);
        }
        if (gen == seen && !__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE)) {   /* idle: sleep until a job */
            pthread_mutex_lock(&p->lock);
            __atomic_fetch_add(&p->sleepers, 1, __ATOMIC_SEQ_CST);
            while (__atomic_load_n(&p->generation, __ATOMIC_SEQ_CST) == seen && !__atomic_load_n(&p->stop, __ATOMIC_SEQ_CST))
                pthread_cond_wait(&p->wake, &p->lock);
            __atomic_fetch_sub(&p->sleepers, 1, __ATOMIC_SEQ_CST);
            pthread_mutex_unlock(&p->lock);
            continue;
        }
        if (__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE)) return NULL;
        seen = gen;
        drain(p, gen);
    }
}

ember_pool *ember_pool_create(int32_t threads) {
    if (threads < 1 || threads > EMBER_MAX_THREADS) return NULL;
    ember_pool *p = (ember_pool *)calloc(1, sizeof *p);
    if (p == NULL) return NULL;
    pthread_mutex_init(&p->lock, NULL);
    pthread_mutex_init(&p->serial, NULL);
    pthread_cond_init(&p->wake, NULL);
    for (int32_t t = 0; t < threads - 1; t++) {
        if (pthread_create(&p->workers[t], NULL, worker_main, p) != 0) {
            ember_pool_free(p);
            return NULL;
        }
        p->n_workers++;
    }
    return p;
}

void ember_pool_parallel_for(void *pool, int32_t count, ember_task_fn task, void *ctx) {
    ember_pool *p = (ember_pool *)pool;
    if (count <= 0) return;
    if (p == NULL || p->n_workers == 0 || count == 1) {
        for (int32_t i = 0; i < count; i++) task(ctx, i);
        return;
    }
    pthread_mutex_lock(&p->serial);
    uint32_t gen = __atomic_load_n(&p->generation, __ATOMIC_RELAXED) + 1;
    if (gen == 0) gen = 1;                       /* 0 is the workers' "seen nothing" */
    p->task = task, p->ctx = ctx, p->count = count;
    __atomic_store_n(&p->finished, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&p->ticket, (uint64_t)gen << 32, __ATOMIC_RELEASE);
    __atomic_store_n(&p->generation, gen, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&p->sleepers, __ATOMIC_SEQ_CST) > 0) {
        pthread_mutex_lock(&p->lock);
        pthread_cond_broadcast(&p->wake);
        pthread_mutex_unlock(&p->lock);
    }
    drain(p, gen);
    while (__atomic_load_n(&p->finished, __ATOMIC_ACQUIRE) < count) relax();
    pthread_mutex_unlock(&p->serial);
}

void ember_pool_free(ember_pool *p) {
    if (p == NULL) return;
    __atomic_store_n(&p->stop, 1, __ATOMIC_SEQ_CST);
    pthread_mutex_lock(&p->lock);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
    for (int32_t t = 0; t < p->n_workers; t++) pthread_join(p->workers[t], NULL);
    pthread_mutex_destroy(&p->lock);
    pthread_mutex_destroy(&p->serial);
    pthread_cond_destroy(&p->wake);
    free(p);
}
