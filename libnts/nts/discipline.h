/* The clock discipline: turns the measurements of the selected sources into
 * frequency and phase corrections of the local clock, and advises the poll
 * interval. The model is chrony's, not RFC 5905's PLL/FLL: a weighted least-
 * squares line through the recent samples (made independent of our own
 * corrections) gives the frequency error and the current phase error; the
 * phase is slewed out over a time that grows with the noise. Every sample
 * of every survivor of selection goes in, weighted by how much its path
 * delay exceeds the lowest delay of the same source (the excess bounds its
 * error, RFC 5905 section 8), and a sample whose excess is large against
 * the fit's noise is dropped unless the fit cannot explain it. HACKING says
 * why. No I/O: the caller applies the actions through its clock driver. */
#ifndef NTS_DISCIPLINE_H
#define NTS_DISCIPLINE_H

#include <stdbool.h>
#include <stddef.h>

#include "nts/filter.h"

#define NTS_DISC_MAX_SAMPLES 128
#define NTS_DISC_WINDOWS 4          /* fit windows of 8, 16, 32 and 64 samples compete */
#define NTS_DISC_MAX_ASYM 8         /* sources whose path asymmetry is tracked */

/* What one source's samples say about the asymmetry of its path: the slope
 * of offset against excess distance (-1: all the extra delay is on the way
 * back, +1: on the way out), used once it was significant, with the same
 * sign, for several fits in a row. */
struct nts_disc_asym {
	unsigned src;
	bool valid;
	int run;                    /* significant fits in a row, signed */
	double slope;               /* applied slope (0 until the run is long enough) */
	double last_seen;           /* for reuse of the slot */
};

struct nts_disc_config {
	double step_threshold;      /* |offset| above this is stepped (0: never step), s */
	double panic_threshold;     /* |offset| above this stops the daemon (0: never), s */
	bool big_first_step;        /* -g: the first step may exceed the panic threshold */
	bool observe_only;          /* -x: estimate, but never correct the clock */
	double stepout;             /* a later large offset is stepped only after this long, s */
	double max_freq;            /* largest frequency error believed, s/s */
	double max_slew;            /* largest extra frequency used to slew a phase error, s/s */
	int minpoll, maxpoll;       /* log2 s bounds of the advised poll interval */
};

/* step 0.128 s, panic 1000 s, stepout 300 s (RFC 5905 / ntpd), frequency
 * errors up to 5 %, slews up to 8.3 % (the kernel's tick allows 10 % in
 * all), poll 6..10 */
void nts_disc_config_default(struct nts_disc_config *c);

enum nts_disc_kind {
	NTS_DISC_NONE,              /* nothing to do */
	NTS_DISC_FREQ,              /* set the frequency correction to freq */
	NTS_DISC_STEP,              /* step the clock by step, then set freq */
	NTS_DISC_PANIC,             /* offset over the panic threshold: stop */
};

struct nts_disc_action {
	enum nts_disc_kind kind;
	double step;                /* seconds to add to the clock (STEP) */
	double freq;                /* total frequency correction to set, s/s (positive: run faster) */
	double recheck;             /* call nts_disc_tick() this many seconds from now (0: no need) */
};

struct nts_disc {
	struct nts_disc_config cfg;
	/* what we commanded: the clock has run with freq_cmd since t_cmd, and
	 * our corrections had added up to cum at t_cmd */
	double freq_cmd, t_cmd, cum;
	double base_freq;           /* frequency correction without the phase slew */
	double slew_end;            /* when the slew part of freq_cmd ends (< 0: none) */
	/* samples as seen by a clock we never corrected: r = offset + corrections,
	 * with their distance (delay / 2 + dispersion) and source */
	double t[NTS_DISC_MAX_SAMPLES], r[NTS_DISC_MAX_SAMPLES], dist[NTS_DISC_MAX_SAMPLES];
	unsigned src[NTS_DISC_MAX_SAMPLES];
	size_t n;
	/* the last fit, r(t) = fit_a + fit_b (t - fit_t), and the standard
	 * deviation of a sample of lowest delay about it (0: no fit yet) */
	double fit_t, fit_a, fit_b, sd;
	unsigned rejected;          /* samples dropped for their excess delay */
	struct nts_disc_asym asym[NTS_DISC_MAX_ASYM];
	/* how well each window size predicted the next sample (mean square
	 * error, weighted, decaying); the best one is used */
	double window_err[NTS_DISC_WINDOWS];
	unsigned window_scored;
	size_t window;              /* samples of the window in use */
	size_t used;                /* samples the last fit used */
	unsigned updates;
	double large_since;         /* first update of a run over the step threshold (< 0: none) */
	int poll;                   /* advised poll interval, log2 s */
	int poll_score;
	/* the last estimates, for status and the server's root dispersion */
	double offset;              /* estimated phase error at the last update, s */
	double offset_sd;           /* its standard error, s */
	double freq_sd;             /* standard error of the frequency, s/s */
	double last_update;
	bool synced;                /* at least one update since start or a step */
};

/* Start; freq is the frequency correction the clock already has (from the
 * driftfile), now the caller's monotonic seconds. */
void nts_disc_init(struct nts_disc *d, const struct nts_disc_config *cfg, double freq, double now);

/* A new sample of a source that survived selection: s->offset (true -
 * local, s) measured at s->time when our correction was s->corr, with its
 * delay and dispersion; src names the source (any small number, the same
 * for all its samples). now is the caller's monotonic time. Fills act with
 * what the clock must do. */
void nts_disc_update(struct nts_disc *d, double now, const struct nts_sample *s, unsigned src,
		     struct nts_disc_action *act);

/* Time passed (the recheck of an earlier action): ends a finished slew. */
void nts_disc_tick(struct nts_disc *d, double now, struct nts_disc_action *act);

/* The phase correction applied so far (our view of the clock), s. */
double nts_disc_correction(const struct nts_disc *d, double now);

#endif
