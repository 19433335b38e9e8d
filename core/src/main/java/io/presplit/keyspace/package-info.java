/** The ordered 64-bit partition key space: hashing series keys into it and dividing ranges into load buckets. */
package io.presplit.keyspace;
