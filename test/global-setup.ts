/** Runs once before all test projects. */
export default function setup(): void {}
