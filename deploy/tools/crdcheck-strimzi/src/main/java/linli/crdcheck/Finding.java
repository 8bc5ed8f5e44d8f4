package linli.crdcheck;

/** One problem in one object: the field's path (JSON names, dotted) and what is wrong. */
record Finding(String path, String message) {}
