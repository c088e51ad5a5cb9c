package organizationstest

import (
	"sync"
	"time"
)

// Clock is a fake clock for organizations.Options.Now: it stands still until Advance or
// Set moves it, so that a test decides when invitations and activations expire and what
// every timestamp is. It is safe for concurrent use.
//
//	clock := organizationstest.NewClock(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
//	svc := organizations.New(nil, &organizations.Options{Now: clock.Now})
//	clock.Advance(8 * 24 * time.Hour) // a week-old invitation has expired
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a Clock that reads start.
func NewClock(start time.Time) *Clock {
	return &Clock{now: start}
}

// Now returns the current reading. Pass the method value clock.Now as Options.Now.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock on by d (back, if d is negative) and returns the new reading.
func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}

// Set makes the clock read t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// clock is the suite's Clock. Its readings carry nanoseconds and a non-UTC zone on
// purpose, so that every test proves the Service stores UTC microseconds and the store
// gives back exactly what the Service returned.
type clock struct{ *Clock }

func newClock() *clock {
	zone := time.FixedZone("UTC+05:30", 5*3600+30*60)
	return &clock{NewClock(time.Date(2031, time.May, 17, 9, 30, 0, 123456789, zone))}
}

// Advance moves the clock on by d and a few hundred nanoseconds, so that sub-microsecond
// noise stays in every reading.
func (c *clock) Advance(d time.Duration) {
	c.Clock.Advance(d + 317*time.Nanosecond)
}
