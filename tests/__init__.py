"""Tests of the checks, the derivations, the build and the built site."""
