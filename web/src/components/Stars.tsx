/** A score shown as stars, read out as "4 out of 5 stars". */
export function Stars({ score }: { score: number }) {
  return (
    <span className="stars" role="img" aria-label={`${score} out of 5 stars`}>
      <span aria-hidden="true" className="stars__on">
        {"★".repeat(score)}
      </span>
      <span aria-hidden="true" className="stars__off">
        {"★".repeat(Math.max(0, 5 - score))}
      </span>
    </span>
  );
}
