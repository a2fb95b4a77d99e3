// Package depspin keeps the module's dependencies in go.mod while the real
// packages are written; it is removed once they import them.
package depspin

import (
	_ "github.com/ProtonMail/go-crypto/openpgp"
	_ "github.com/ProtonMail/go-crypto/openpgp/armor"
	_ "github.com/ProtonMail/go-crypto/openpgp/clearsign"
	_ "github.com/ProtonMail/go-crypto/openpgp/packet"
	_ "github.com/klauspost/compress/gzip"
	_ "github.com/klauspost/compress/zstd"
	_ "github.com/moby/buildkit/client"
	_ "github.com/moby/buildkit/client/llb"
	_ "github.com/moby/buildkit/exporter/containerimage/exptypes"
	_ "github.com/moby/buildkit/frontend/dockerfile/parser"
	_ "github.com/moby/buildkit/frontend/dockerfile/shell"
	_ "github.com/moby/buildkit/frontend/dockerui"
	_ "github.com/moby/buildkit/frontend/gateway/client"
	_ "github.com/moby/buildkit/frontend/gateway/grpcclient"
	_ "github.com/moby/buildkit/frontend/subrequests/lint"
	_ "github.com/moby/buildkit/frontend/subrequests/outline"
	_ "github.com/moby/buildkit/frontend/subrequests/targets"
	_ "github.com/moby/buildkit/solver/errdefs"
	_ "github.com/moby/buildkit/solver/pb"
	_ "github.com/moby/buildkit/util/appcontext"
	_ "github.com/moby/buildkit/util/grpcutil/encoding/proto"
	_ "github.com/ulikunitz/xz"
	_ "golang.org/x/sync/errgroup"
	_ "pault.ag/go/debian/control"
	_ "pault.ag/go/debian/dependency"
	_ "pault.ag/go/debian/version"
)
