// SPDX-License-Identifier: MIT
/*
 * A game loop that drains the input ring once per frame, never blocking:
 * disruptor_poll() hands over whatever arrived since the last frame (one
 * batch, read in place), then the frame goes on. 60 frames per second.
 *
 *   game_loop [RING [FRAMES]]
 */
#define _GNU_SOURCE
#include <disruptor.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "input_event.h"

struct frame_state {
	unsigned long frame, keys_down, events;
};

static int on_input(void *arg, const void *slot, uint64_t seq, bool end_of_batch)
{
	const struct disruptor_input_event *e = slot;
	struct frame_state *s = arg;

	s->events++;
	if (e->type == 1 /* EV_KEY */ && e->value == 1)
		s->keys_down++;
	if (end_of_batch)
		printf("frame %lu: input up to seq %llu, %lu key presses so far\n", s->frame,
		       (unsigned long long)seq, s->keys_down);
	return 0;
}

int main(int argc, char **argv)
{
	const struct timespec frame = { .tv_nsec = 1000000000L / 60 };
	struct disruptor_ring *r = disruptor_ring_attach_dev(argc > 1 ? argv[1] : "input");
	unsigned long frames = argc > 2 ? strtoul(argv[2], NULL, 0) : 600;
	struct frame_state s = { 0 };
	struct disruptor_consumer *c;

	if (!r || !(c = disruptor_consumer_open(r, disruptor_consumer_add(r, 0), NULL))) {
		fprintf(stderr, "game_loop: %s\n", disruptor_last_error());
		return 1;
	}
	for (s.frame = 0; s.frame < frames; s.frame++) {
		if (disruptor_poll(c, on_input, &s) < 0) {
			fprintf(stderr, "game_loop: %s\n", disruptor_last_error());
			return 1;
		}
		/* ... simulate, render ... */
		nanosleep(&frame, NULL);
	}
	printf("game_loop: %lu frames, %lu input events\n", s.frame, s.events);
	disruptor_consumer_close(c);
	disruptor_ring_close(r);
	return 0;
}
