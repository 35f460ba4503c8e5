// Package protoschema compiles Protobuf schema text as Confluent's serializers and
// Schema Registry see it: the standard google/protobuf imports, plus the files
// Confluent bundles that ksqlDB's schemas import (google.type Date and TimeOfDay,
// confluent.type.Decimal, confluent/meta.proto for field_meta), plus the schema's
// references. It is shared by the PROTOBUF formats and the embedded registry so
// that both accept the same texts. It holds no state.
package protoschema

import (
	"context"

	"github.com/bufbuild/protocompile"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// The imports derived schemas use beyond protobuf's own, bundled so that schemas
// compile without a network: each declares the messages ksqlDB writes, with the
// field numbers of the published files.
const (
	// GoogleDate and the others are the import paths of the bundled files.
	GoogleDate       = "google/type/date.proto"
	GoogleTimeOfDay  = "google/type/timeofday.proto"
	ConfluentDecimal = "confluent/type/decimal.proto"
	ConfluentMeta    = "confluent/meta.proto"
)

var bundled = map[string]string{
	GoogleDate: `syntax = "proto3";
package google.type;
message Date {
  int32 year = 1;
  int32 month = 2;
  int32 day = 3;
}
`,
	GoogleTimeOfDay: `syntax = "proto3";
package google.type;
message TimeOfDay {
  int32 hours = 1;
  int32 minutes = 2;
  int32 seconds = 3;
  int32 nanos = 4;
}
`,
	ConfluentDecimal: `syntax = "proto3";
package confluent.type;
message Decimal {
  bytes value = 1;
  uint32 precision = 2;
  int32 scale = 3;
}
`,
	ConfluentMeta: `syntax = "proto3";
package confluent;
import "google/protobuf/descriptor.proto";
message Meta {
  string doc = 1;
  map<string, string> params = 2;
  repeated string tags = 3;
}
extend google.protobuf.FileOptions {
  Meta file_meta = 1088;
}
extend google.protobuf.MessageOptions {
  Meta message_meta = 1088;
}
extend google.protobuf.FieldOptions {
  Meta field_meta = 1088;
}
extend google.protobuf.EnumOptions {
  Meta enum_meta = 1088;
}
extend google.protobuf.EnumValueOptions {
  Meta enum_value_meta = 1088;
}
`,
}

// Compile parses text into its file descriptor. imports maps the names text
// imports its references by to their schema text.
func Compile(text string, imports map[string]string) (protoreflect.FileDescriptor, error) {
	const name = "schema.proto"
	files := make(map[string]string, len(bundled)+len(imports)+1)
	for k, v := range bundled {
		files[k] = v
	}
	for k, v := range imports {
		files[k] = v
	}
	files[name] = text
	c := protocompile.Compiler{
		Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{
			Accessor: protocompile.SourceAccessorFromMap(files),
		}),
	}
	compiled, err := c.Compile(context.Background(), name)
	if err != nil {
		return nil, err
	}
	return compiled[0], nil
}
