/** Shadow mode: a candidate policy decides against a shadow partition map beside the active one, and is scored. */
package io.presplit.shadow;
