package bpe

import (
	"container/heap"
	"math"
)

// noRank marks a part that cannot merge with its successor (or has been
// merged away).
const noRank = math.MaxInt32

// appendPiece appends the token ids of one pre-tokenised piece: its bytes,
// merged pairwise by rank until no adjacent pair forms a token.
//
// The rule is tiktoken's: repeatedly merge the adjacent pair of parts whose
// concatenation has the lowest rank, the leftmost on ties. GPT-2's bpe()
// instead merges by merge-list position, all occurrences of the best pair
// at once; the two agree on this vocabulary because merge r creates exactly
// token 256+r and no token is created twice (the fixtures README checks
// this, and tests here check the consequence that every token merges to
// itself).
//
// A naive implementation rescans all pairs after every merge, which is
// quadratic in the piece length, and a piece can be a whole prompt (one
// long word). This one keeps the parts as a linked list over the byte
// offsets and the candidate merges in a min-heap keyed by (rank, offset), so
// a piece costs O(n log n). Heap entries are not removed when a merge
// changes a pair; they are checked when popped instead.
func appendPiece(ids []int32, piece string) []int32 {
	if id, ok := ranks[piece]; ok {
		// Most pieces are whole tokens ("Ġcorgi" is not, "Ġpainting" is).
		// Every token merges to itself (TestEveryTokenMergesToItself), so
		// this shortcut does not change the result.
		return append(ids, id)
	}
	return mergeBytes(ids, piece)
}

// mergeBytes is appendPiece without the whole-token shortcut.
func mergeBytes(ids []int32, piece string) []int32 {
	n := int32(len(piece))
	// Part i covers piece[i:next[i]]; next of the last part is n. rank[i] is
	// the rank of part i merged with its successor, or noRank.
	next := make([]int32, n)
	prev := make([]int32, n)
	rank := make([]int32, n)
	pairRank := func(i int32) int32 {
		j := next[i]
		if j >= n {
			return noRank
		}
		if id, ok := ranks[piece[i:next[j]]]; ok {
			return id
		}
		return noRank
	}
	for i := range n {
		next[i], prev[i] = i+1, i-1
	}
	h := make(mergeHeap, 0, n)
	for i := range n {
		rank[i] = pairRank(i)
		if rank[i] != noRank {
			h = append(h, mergeCandidate{rank[i], i})
		}
	}
	heap.Init(&h)
	for h.Len() > 0 {
		c := heap.Pop(&h).(mergeCandidate)
		i := c.offset
		if rank[i] != c.rank {
			continue // stale: part i has merged since, or was merged away
		}
		// Merge part i with its successor j.
		j := next[i]
		rank[j] = noRank
		next[i] = next[j]
		if next[i] < n {
			prev[next[i]] = i
		}
		// Only the pairs that involve the new part change.
		for _, k := range [2]int32{i, prev[i]} {
			if k < 0 {
				continue
			}
			rank[k] = pairRank(k)
			if rank[k] != noRank {
				heap.Push(&h, mergeCandidate{rank[k], k})
			}
		}
	}
	for i := int32(0); i < n; i = next[i] {
		// Single bytes are all tokens, and merged parts are tokens by
		// construction, so the lookup cannot fail.
		ids = append(ids, ranks[piece[i:next[i]]])
	}
	return ids
}

// mergeCandidate is a possible merge of the part at offset with its
// successor, forming the token of id (rank) rank.
type mergeCandidate struct {
	rank, offset int32
}

// mergeHeap is a container/heap min-heap of merge candidates ordered by
// rank, then offset, so that of equal ranks the leftmost merges first.
type mergeHeap []mergeCandidate

// Len is part of heap.Interface.
func (h mergeHeap) Len() int { return len(h) }

// Less orders by rank, then offset (heap.Interface).
func (h mergeHeap) Less(a, b int) bool {
	if h[a].rank != h[b].rank {
		return h[a].rank < h[b].rank
	}
	return h[a].offset < h[b].offset
}

// Swap is part of heap.Interface.
func (h mergeHeap) Swap(a, b int) { h[a], h[b] = h[b], h[a] }

// Push is part of heap.Interface; use heap.Push.
func (h *mergeHeap) Push(x any) { *h = append(*h, x.(mergeCandidate)) }

// Pop is part of heap.Interface; use heap.Pop.
func (h *mergeHeap) Pop() any {
	old := *h
	c := old[len(old)-1]
	*h = old[:len(old)-1]
	return c
}
