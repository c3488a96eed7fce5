// The data directory's JSON files: the implementation is engine-common (engines keep their own files),
// re-exported here for the rest of src/main.
export * from '../engines/common/json-file';
