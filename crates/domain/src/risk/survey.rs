//! The annual survey on risk management (RISK-5(3)): each question is
//! answered with a rating from 1 (そう思わない) to 5 (そう思う) and an
//! optional comment; results are counted per question without names.

use serde::Serialize;

/// The questions a new survey starts from, written for mamori.
pub const DEFAULT_QUESTIONS_JA: &[&str] = &[
    "自部門で扱う重要な情報資産が何か、把握できている",
    "情報資産の取扱いルール（持出し・廃棄・共有）が守られている",
    "業務上のリスクや気になる点を、気軽に上司や事務局へ相談できる",
    "ヒヤリ・ハットやインシデントは、すぐに報告されている",
    "情報セキュリティ対策が業務の妨げになっている場面は少ない",
    "経営陣は情報セキュリティのリスクに関心を持って取り組んでいる",
];

/// The answer scale.
pub const MIN_RATING: u8 = 1;
pub const MAX_RATING: u8 = 5;

/// The results of one question.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct QuestionResult {
    pub question: String,
    pub answers: usize,
    /// Mean rating, to one decimal; None without answers.
    pub average: Option<f64>,
    /// How many gave 1, 2, 3, 4, 5.
    pub distribution: [usize; 5],
    /// The comments given, in answer order.
    pub comments: Vec<String>,
}

/// Counts the answers per question; answers of the wrong length are ignored.
pub fn results(questions: &[String], answers: &[(Vec<u8>, Vec<String>)]) -> Vec<QuestionResult> {
    questions
        .iter()
        .enumerate()
        .map(|(q, text)| {
            let mut distribution = [0usize; 5];
            let mut comments = Vec::new();
            let mut sum = 0u64;
            let mut n = 0usize;
            for (ratings, notes) in answers.iter().filter(|(r, _)| r.len() == questions.len()) {
                let r = ratings[q];
                if (MIN_RATING..=MAX_RATING).contains(&r) {
                    distribution[usize::from(r - 1)] += 1;
                    sum += u64::from(r);
                    n += 1;
                }
                if let Some(c) = notes.get(q).map(|c| c.trim()).filter(|c| !c.is_empty()) {
                    comments.push(c.to_string());
                }
            }
            QuestionResult {
                question: text.clone(),
                answers: n,
                average: (n > 0).then(|| ((sum as f64 / n as f64) * 10.0).round() / 10.0),
                distribution,
                comments,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_count_each_question_and_skip_broken_answers() {
        let q = vec!["a".to_string(), "b".to_string()];
        let answers = vec![
            (vec![5, 1], vec!["良い".to_string(), String::new()]),
            (vec![4, 2], vec![String::new(), " 困る ".to_string()]),
            (vec![3], vec![]),
        ];
        let r = results(&q, &answers);
        assert_eq!(r[0].answers, 2);
        assert_eq!(r[0].average, Some(4.5));
        assert_eq!(r[0].distribution, [0, 0, 0, 1, 1]);
        assert_eq!(r[0].comments, vec!["良い"]);
        assert_eq!(r[1].average, Some(1.5));
        assert_eq!(r[1].comments, vec!["困る"]);
        assert_eq!(results(&q, &[])[0].average, None);
    }
}
