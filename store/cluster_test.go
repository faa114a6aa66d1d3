package store_test

import (
	"testing"

	"github.com/residenthub/residenthub/store/storetest"
)

func TestClusterMigrate(t *testing.T) {
	storetest.NewCluster(t)
}
