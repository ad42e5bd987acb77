// Package catalog is the embedded EC2 instance-type catalog: the facts and us-east-1 on-demand
// prices of every type Karpenter documents, converted into cloudprovider.InstanceTypes with the
// labels Karpenter's AWS provider sets. It lets the simulator and the AWS provider's price
// fallback work offline, with no EC2 or pricing API calls.
//
// The data lives in zz_generated_catalog.go, generated from the shared CSV snapshot so that a
// clone without that CSV still builds and tests. To refresh it after the CSV changes:
//
//	go generate ./pkg/cloudprovider/catalog
package catalog

//go:generate go run ./gen -in ../../../../shared/data/ec2-instance-types.csv -out zz_generated_catalog.go
