// Package team keeps the team tables of one PE: WORLD, the teams made by
// SplitStrided and Split2D, rank translation between teams, and Destroy.
//
// Everything here is local bookkeeping except the agreement step of a split,
// which is collective over all members of the parent team and runs over an
// Exchanger (an allgather the job layer provides on top of the rendezvous).
//
// # Team ids
//
// A team id is a small int that must name the same team on every member, even
// when PEs have taken part in different splits before: PE 0 may already hold
// teams 1 and 2 while PE 1 holds only team 1. Each table therefore keeps a
// counter, nextID: every id this PE holds or has ever held is below it. In a
// split every member of the parent sends its nextID; all of them receive the
// same list and take its maximum M. M is at or above every member's counter,
// so it is free on all of them; every parent member (also those that end up
// outside the new team) then moves its counter to M+1 (M+2 for Split2D, whose
// x team gets M and y team M+1). Ids are never reused on a PE, so a destroyed
// id stays unknown for good instead of silently naming a later team. Teams
// that share an id on different PEs are disjoint (a PE holds one team per id),
// which is what makes the rows of a Split2D all carry the same x id.
//
// The same exchange carries the split's arguments, so a member that called
// with different arguments (or a different kind of split) makes the split fail
// with InvalidParam on every member: all of them see the same list and reach
// the same verdict. Arguments are compared after normalisation, i.e. by the
// teams they define: the stride of a one-PE split and an x range above the
// parent's size are not compared raw. The TeamConfig is not compared; it is
// per-PE information (OpenSHMEM lets num_contexts differ between PEs).
//
// # Argument checks
//
// Arguments are checked against the parent before any exchange, so a bad call
// made alike on every member fails at once everywhere and nobody waits for an
// allgather that will never complete. start must be a rank of the parent, size
// at least 1, the last selected rank inside the parent, and stride at least 1
// when size > 1 (stride is ignored when size is 1). Negative strides, which
// OpenSHMEM 1.6 allows, are rejected as Ascend SHMEM does. Split2D rejects an
// x range below 1 and clamps one above the parent's size to that size (one
// row holding the whole parent; every y team a single PE). A negative
// NumContexts is rejected. A PE that is not in the parent gets InvalidParam
// without exchanging: it cannot know the parent's members. When members pass
// different arguments and only some of them are bad, those return at once and
// the others fail in the exchange (the Exchanger's timeout).
//
// # Exchange groups
//
// The group name given to the Exchanger is "team/<parent id>/<world rank of
// the parent's rank 0>". Two teams with equal ids are disjoint, and ids are
// never reused on a PE, so the name is unique to one parent team for the whole
// job; the Exchanger numbers successive calls of one group itself. A parent of
// a single PE needs no exchange and none is made.
//
// # Concurrency
//
// A Table is safe for concurrent use. Splits of one PE are serialised (one
// agreement at a time); reads never wait for a split's exchange. As in
// OpenSHMEM, collective calls over overlapping teams must be made in the same
// order on every PE.
package team
