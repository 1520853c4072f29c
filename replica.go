package analytics

import "context"

// replicaAwaiter is the optional capability of a Store that reads on a
// replica of the database it writes (pgstore.Store with Config.Replica):
// AwaitReplica returns once the store's reads see every commit made on its
// primary before the call, waiting for the replica to replay them, within
// a bound past which the store reads on the primary until the replica has.
// It returns an error only when ctx ends (or is nil). The Service and the
// Snapshotter check for it as net/http checks a ResponseWriter for
// http.Flusher: a Store wrapped in a type of the host's loses it unless
// the wrapper has the method too.
type replicaAwaiter interface {
	AwaitReplica(ctx context.Context) error
}

// awaitReplica calls st's AwaitReplica when it has one.
func awaitReplica(ctx context.Context, st Store) error {
	if a, ok := st.(replicaAwaiter); ok {
		return a.AwaitReplica(ctx)
	}
	return nil
}
