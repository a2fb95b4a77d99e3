// Command nullfrontend is the smallest BuildKit gateway frontend: it reads
// nothing and returns an empty result. bench/run builds it into an image laid
// out like Distrofile's (same labels, a static binary in scratch) and times a
// warm `docker buildx build` through it, the floor for any `# syntax=`
// frontend on the machine: what BuildKit and buildx cost before and after the
// frontend's own work.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/frontend/gateway/grpcclient"
	"github.com/moby/buildkit/util/appcontext"
	_ "github.com/moby/buildkit/util/grpcutil/encoding/proto" // the gateway's vtproto codec
)

func main() {
	if err := grpcclient.RunFromEnvironment(appcontext.Context(), func(context.Context, client.Client) (*client.Result, error) {
		return client.NewResult(), nil
	}); err != nil {
		fmt.Fprintf(os.Stderr, "nullfrontend: %v\n", err)
		os.Exit(1)
	}
}
