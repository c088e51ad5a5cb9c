package pgtest

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestStandbyReplaysThePrimary starts the pair and shows the standby in recovery,
// refusing writes, and showing a table written on the primary once WaitReplayed returns.
func TestStandbyReplaysThePrimary(t *testing.T) {
	primaryURL, standbyURL := Standby(t)
	ctx := context.Background()
	schema := NewSchemaAt(t, primaryURL)
	p, err := pgx.Connect(ctx, primaryURL)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(ctx)
	s, err := pgx.Connect(ctx, standbyURL)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)

	var recovering bool
	if err := p.QueryRow(ctx, "SELECT pg_is_in_recovery()").Scan(&recovering); err != nil || recovering {
		t.Fatalf("primary in recovery: %v, %v", recovering, err)
	}
	if err := s.QueryRow(ctx, "SELECT pg_is_in_recovery()").Scan(&recovering); err != nil || !recovering {
		t.Fatalf("standby in recovery: %v, %v", recovering, err)
	}
	table := pgx.Identifier{schema, "t"}.Sanitize()
	if _, err := p.Exec(ctx, "CREATE TABLE "+table+" (v int); INSERT INTO "+table+" VALUES (42)"); err != nil {
		t.Fatal(err)
	}
	WaitReplayed(t, primaryURL, standbyURL)
	var v int
	if err := s.QueryRow(ctx, "SELECT v FROM "+table).Scan(&v); err != nil || v != 42 {
		t.Fatalf("standby reads %d, %v; want 42", v, err)
	}
	if _, err := s.Exec(ctx, "INSERT INTO "+table+" VALUES (1)"); err == nil {
		t.Fatal("the standby took a write")
	}
}

// TestWaitReplayedSeesCommitsThatDidNotWait: a commit that does not wait for the disk
// (synchronous_commit off, as in pgtest's own pools, which empty reused schemas) shows
// on the standby once WaitReplayed returns, every time: such a commit can still be in
// the primary's WAL buffers when WaitReplayed starts. Each round changes the row and
// reads it at once on the standby.
func TestWaitReplayedSeesCommitsThatDidNotWait(t *testing.T) {
	primaryURL, standbyURL := Standby(t)
	ctx := context.Background()
	schema := NewSchemaAt(t, primaryURL)
	p, err := newPool(primaryURL, nil) // synchronous_commit off
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	s, err := pgx.Connect(ctx, standbyURL)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	table := pgx.Identifier{schema, "t"}.Sanitize()
	if _, err := p.Exec(ctx, "CREATE TABLE "+table+" (v int); INSERT INTO "+table+" VALUES (0)"); err != nil {
		t.Fatal(err)
	}
	for round := 1; round <= 20; round++ {
		if _, err := p.Exec(ctx, "UPDATE "+table+" SET v = $1", round); err != nil {
			t.Fatal(err)
		}
		WaitReplayed(t, primaryURL, standbyURL)
		var v int
		if err := s.QueryRow(ctx, "SELECT v FROM "+table).Scan(&v); err != nil || v != round {
			t.Fatalf("round %d: the standby reads %d, %v", round, v, err)
		}
	}
}
